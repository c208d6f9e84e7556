"""What the bot says and does: inbound messages in, outbound messages out."""
