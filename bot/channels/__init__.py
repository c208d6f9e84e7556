"""Channel adapters: Telegram, Zalo and the console, each translating to Inbound/Outbound."""
