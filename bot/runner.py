"""Starting the bot for real: migrations check, then long polling or a webhook."""

from __future__ import annotations

import asyncio
import logging

from bot.app import ALLOWED_UPDATES, build_application
from bot.settings import Settings, SettingsError
from coaching import migrate
from coaching.db import Database
from knowledge import load_knowledge

log = logging.getLogger(__name__)


class NotMigrated(SettingsError):
    """The database schema is behind this version of the bot."""


def ensure_schema(settings: Settings) -> None:
    """Migrate the embedded SQLite default ourselves; refuse anything else that is behind."""
    url = settings.effective_database_url
    if settings.database_url is None:
        migrate.upgrade(url)
        return
    if not asyncio.run(migrate.is_up_to_date(url)):
        raise NotMigrated(
            "DATABASE_URL: the database schema is not up to date; run `hipcoach migrate` first"
        )


def run(settings: Settings) -> None:
    settings.token()
    ensure_schema(settings)
    kb = load_knowledge()
    db = Database(settings.effective_database_url)
    application = build_application(settings, db, kb)
    if settings.webhook_url:
        assert settings.webhook_secret is not None
        path = "telegram"
        log.info("starting in webhook mode on port %s", settings.port)
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.port,
            url_path=path,
            webhook_url=f"{settings.webhook_url}/{path}",
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES,
        )
    else:
        log.info("starting with long polling against %s", settings.api_url)
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
    log.info("stopped")
