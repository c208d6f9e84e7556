"""Test doubles for the platforms the bot talks to (a local Telegram Bot API server)."""
