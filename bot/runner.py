"""Starting the bot for real: checks that fail in one line, then long polling or a webhook.

PTB's `run_polling` and `run_webhook` would run the lifecycle for us, but a
failed start comes out of them as a traceback (holding the bot token when
Telegram rejects it), polling errors are logged as a traceback per retry, and
the webhook server reads a body of any size before checking the secret. So
the lifecycle is spelled out here, in PTB's order: initialise, start receiving,
start processing, run until SIGTERM or SIGINT, then stop in reverse.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from typing import Any, Protocol, TypeAlias

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ExtBot

from bot.polling_errors import PollingTrouble
from bot.settings import Settings, SettingsError
from bot.startup import (
    StartupError,
    bot_api_failure,
    check_data_dir,
    check_database,
    listen_failure,
)
from bot.webhook_server import WebhookServer
from coaching import migrate

log = logging.getLogger(__name__)

WEBHOOK_PATH = "telegram"
POLLING_TASK = "Updater:start_polling:polling_task"  # PTB's name for its polling loop
App: TypeAlias = "Application[Any, Any, Any, Any, Any, Any]"


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


class Receiver(Protocol):
    """Where updates come from: long polling or the webhook server."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def failure(self) -> TelegramError:
        """Return the error once no update can come in any more; until then, wait."""
        ...


async def _forever() -> TelegramError:
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


class Polling:
    """`getUpdates` in a loop (PTB's Updater); failures are reported once per episode."""

    def __init__(self, application: App, allowed_updates: Sequence[str]) -> None:
        assert application.updater is not None
        self.updater = application.updater
        self.allowed_updates = list(allowed_updates)

    async def start(self) -> None:
        await self.updater.start_polling(
            allowed_updates=self.allowed_updates, error_callback=PollingTrouble()
        )

    async def stop(self) -> None:
        if self.updater.running:
            with suppress(TelegramError):  # the loop's own end (see `failure`) is re-raised
                await self.updater.stop()

    async def failure(self) -> TelegramError:
        """PTB's polling loop retries everything but a rejected token, on which it ends.

        Left alone, the process would run on without receiving anything; the
        loop's task is found by the name PTB gives it, and its end reported.
        """
        loop = next((t for t in asyncio.all_tasks() if t.get_name() == POLLING_TASK), None)
        if loop is None:
            return await _forever()
        await asyncio.wait({loop})  # unlike awaiting it, never cancels it
        error = None if loop.cancelled() else loop.exception()
        if isinstance(error, TelegramError):
            return error
        return await _forever()  # stopped on purpose


class Webhook:
    """Our own webhook server (see `bot.webhook_server`), then `setWebhook` pointing at it."""

    def __init__(
        self, application: App, settings: Settings, allowed_updates: Sequence[str]
    ) -> None:
        assert settings.webhook_url is not None and settings.webhook_secret is not None
        self.application, self.settings = application, settings
        self.allowed_updates = list(allowed_updates)
        self.secret = settings.webhook_secret.get_secret_value()
        self.server = WebhookServer(
            settings.webhook_listen, settings.port, WEBHOOK_PATH, self.secret, self.enqueue
        )

    async def enqueue(self, data: dict[str, Any]) -> None:
        bot = self.application.bot
        try:
            update = Update.de_json(data, bot)
        except Exception as exc:  # one unreadable update must not hold back the others
            log.warning(
                "webhook: dropped an update that could not be read (%s)", type(exc).__name__
            )
            return
        if isinstance(bot, ExtBot):
            bot.insert_callback_data(update)
        await self.application.update_queue.put(update)

    async def start(self) -> None:
        try:
            await self.server.start()
        except OSError as exc:
            raise listen_failure(self.settings, exc) from None
        await self.application.bot.set_webhook(
            url=f"{self.settings.webhook_url}/{WEBHOOK_PATH}",
            secret_token=self.secret,
            allowed_updates=self.allowed_updates,
        )

    async def stop(self) -> None:
        await self.server.stop()

    async def failure(self) -> TelegramError:
        return await _forever()


def receiver_for(application: App, settings: Settings, allowed_updates: Sequence[str]) -> Receiver:
    if settings.webhook_url:
        return Webhook(application, settings, allowed_updates)
    return Polling(application, allowed_updates)


async def _close(application: App) -> None:
    """Stop whatever was started, quietly: start-up may have failed half-way."""
    with suppress(Exception):
        if application.running:
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
    with suppress(Exception):
        await application.shutdown()
    with suppress(Exception):
        if application.post_shutdown:
            await application.post_shutdown(application)


@asynccontextmanager
async def running(
    application: App, settings: Settings, allowed_updates: Sequence[str]
) -> AsyncIterator[Receiver]:
    """The bot receiving and processing updates; a failed start raises `StartupError`."""
    receiver = receiver_for(application, settings, allowed_updates)
    try:
        await application.initialize()
        if application.post_init:
            await application.post_init(application)
        await receiver.start()
        await application.start()
    except TelegramError as exc:
        await receiver.stop()
        await _close(application)
        raise bot_api_failure(settings, exc) from None
    except BaseException:
        await receiver.stop()
        await _close(application)
        raise
    try:
        yield receiver
    finally:
        await receiver.stop()
        await _close(application)


async def serve(application: App, settings: Settings, allowed_updates: Sequence[str]) -> None:
    """Run until SIGTERM or SIGINT, or until updates can no longer come in (`StartupError`)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with running(application, settings, allowed_updates) as receiver:
        if settings.webhook_url:
            log.info("started in webhook mode on port %s", settings.port)
        else:
            log.info("started with long polling against %s", settings.api_url)
        stopped = asyncio.create_task(stop.wait())
        failed = asyncio.create_task(receiver.failure())
        await asyncio.wait({stopped, failed}, return_when=asyncio.FIRST_COMPLETED)
        for task in (stopped, failed):
            task.cancel()
        if failed.done() and not failed.cancelled():
            raise bot_api_failure(settings, failed.result())
    log.info("stopped")


def run(settings: Settings) -> None:
    """`hipcoach run`: every check that can fail says so in one line (`StartupError`)."""
    settings.token()
    check_data_dir(settings)
    check_database(settings)
    # Imported only now: the bot's handlers pull in charting and more, and a
    # misconfigured start should answer before paying for that.
    from bot.app import ALLOWED_UPDATES, build_application
    from coaching.db import Database
    from knowledge import load_knowledge

    ensure_schema(settings)
    application = build_application(
        settings, Database(settings.effective_database_url), load_knowledge()
    )
    asyncio.run(serve(application, settings, ALLOWED_UPDATES))


__all__ = ["NotMigrated", "StartupError", "ensure_schema", "run", "serve"]
