"""The application: settings, command line, wiring, channel adapters."""
