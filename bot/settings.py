"""Settings from the environment and an optional .env file (see .env.example)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_TOKENS = {"", "changeme", "your-token-here", "123456:ABC-DEF"}


class Settings(BaseSettings):
    """Everything an IT officer may set; defaults run a commune on one machine with SQLite."""

    model_config = SettingsConfigDict(
        env_prefix="DONDOC_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(
        default="sqlite:///dondoc.db",
        validation_alias=AliasChoices("DATABASE_URL", "DONDOC_DATABASE_URL"),
    )
    telegram_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "DONDOC_TELEGRAM_TOKEN")
    )
    telegram_username: str | None = None  # the bot's @name, for invitation links
    telegram_api_url: str = "https://api.telegram.org/bot"  # a Bot API emulator in tests
    telegram_file_url: str = "https://api.telegram.org/file/bot"
    webhook_url: str | None = None  # set it to receive updates by webhook instead of polling
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    zalo_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ZALO_BOT_TOKEN", "DONDOC_ZALO_TOKEN")
    )
    timezone: str = "Asia/Ho_Chi_Minh"
    default_locale: str = "vi"
    # Telegram's limits; the sender paces every message to them.
    rate_per_second: float = 30
    rate_per_chat_per_second: float = 1
    rate_per_group_per_minute: float = 20
    max_upload_mb: int = 20
    data_dir: Path = Path("var")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def telegram_token_value(self) -> str | None:
        """Return the Telegram token, or None when it is unset or a placeholder."""
        if self.telegram_token is None:
            return None
        token = self.telegram_token.get_secret_value().strip()
        return None if token in PLACEHOLDER_TOKENS else token
