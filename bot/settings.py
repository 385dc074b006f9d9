"""Runtime configuration, read from the environment and an optional `.env` file.

Every problem with a setting must stop start-up with one line that names the
variable, so operators never have to read a traceback to fix a typo.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TELEGRAM_API_URL = "https://api.telegram.org"
TOKEN_PATTERN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,100}$")
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def default_data_dir() -> Path:
    return Path.cwd() / "data"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str | None = TELEGRAM_API_URL
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"  # noqa: S104 - webhook mode serves the load balancer
    port: int = Field(default=8080, ge=1, le=65535)
    log_level: str = "INFO"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    send_rate_limit: float = Field(default=30.0, ge=0, le=1000)
    """Messages per second across all chats (Telegram's limit is about 30); 0 turns pacing off."""
    paid_broadcast: bool = False
    """Send coach broadcasts as paid broadcasts (`allow_paid_broadcast`: up to 1000/s,
    0.1 Telegram Stars per message from the bot's balance); reminders are never paid."""
    plan_interval_seconds: float = Field(default=60.0, gt=0, le=3600)
    dispatch_interval_seconds: float = Field(default=5.0, gt=0, le=600)
    delivery_lease_seconds: float = Field(default=60.0, ge=1, le=3600)
    """How long an instance holds the deliveries it claimed without renewing: after a
    crash, what it never attempted is sent by another instance once this has passed."""
    # Health data of athletes silent this long is erased daily; 0 turns that off.
    retention_months: int = Field(default=24, ge=0, le=240)

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_PATTERN.match(value.get_secret_value()):
            raise ValueError("does not look like a bot token (expected 123456:ABC...)")
        return value

    @field_validator("telegram_api_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not re.match(r"^https?://[^\s/]+\S*$", value):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not SECRET_PATTERN.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value.strip()) if p]
            if not all(re.fullmatch(r"\d{1,20}", p) for p in parts):
                raise ValueError("must be numeric Telegram user ids separated by commas")
            return frozenset(int(p) for p in parts)
        return value

    @property
    def api_url(self) -> str:
        return self.telegram_api_url or TELEGRAM_API_URL

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'hipcoach.sqlite3'}"

    def token(self) -> str:
        if self.telegram_bot_token is None:
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN: not set (get one from @BotFather, "
                "or try the bot locally with `hipcoach sandbox`)"
            )
        return self.telegram_bot_token.get_secret_value()


WEBHOOK_PORTS = (443, 80, 88, 8443)


def webhook_url_problem(url: str) -> str | None:
    """Why Telegram would refuse this webhook URL, if it would.

    Telegram's own servers deliver only to https on ports 443, 80, 88 or 8443; a
    self-hosted Bot API server (TELEGRAM_API_URL set) accepts any http(s) URL,
    which is why this is checked only against Telegram itself.
    """
    parsed = urlsplit(url)
    if parsed.scheme != "https":
        return "Telegram delivers webhooks only to https:// URLs"
    try:
        port = parsed.port or 443
    except ValueError:
        return "has a port that is not a number"
    if port not in WEBHOOK_PORTS:
        return f"port {port} is not one Telegram delivers to (443, 80, 88 or 8443)"
    return None


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one line per bad variable."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "settings"
            reason = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"{name}: {reason}")
        raise SettingsError("; ".join(lines)) from None
    if settings.webhook_url and settings.webhook_secret is None:
        raise SettingsError("WEBHOOK_SECRET: required when WEBHOOK_URL is set")
    if settings.webhook_url and settings.api_url == TELEGRAM_API_URL:
        problem = webhook_url_problem(settings.webhook_url)
        if problem:
            raise SettingsError(f"WEBHOOK_URL: {problem}")
    if settings.database_url is not None and not re.match(
        r"^(sqlite\+aiosqlite|postgresql\+asyncpg)://", settings.database_url
    ):
        raise SettingsError(
            "DATABASE_URL: must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
        )
    return settings
