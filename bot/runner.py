"""Starting the bot for real: checks that fail in one line, then long polling or a webhook.

PTB's `run_polling` and `run_webhook` would run the lifecycle for us, but a
failed start comes out of them as a traceback (holding the bot token when
Telegram rejects it), polling errors are logged as a traceback per retry, and
the webhook server reads a body of any size before checking the secret. So
the lifecycle is spelled out here, in PTB's order: initialise, start receiving
(`bot.receivers`), start processing, run until SIGTERM or SIGINT, then stop in
reverse.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress

from telegram.error import TelegramError

from bot.receivers import App, Receiver, receiver_for
from bot.settings import Settings, SettingsError
from bot.startup import StartupError, bot_api_failure, check_data_dir, check_database
from coaching import migrate

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
        # A start refused inside Bot.initialize (getMe: a bad token, no network) leaves
        # the bot uninitialised, so Application.shutdown skips it and its HTTP sessions
        # stay open; closing a request twice is harmless.
        await asyncio.gather(*(request.shutdown() for request in application.bot._request))
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
        _freeze_startup_heap()
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


def _freeze_startup_heap() -> None:
    """Leave what start-up made (modules, the knowledge base, the bot) out of every later
    garbage collection: they live as long as the process. A full collection otherwise
    walks them all, stopping the loop for 75–90 ms every few seconds while a paid
    broadcast is sending (about 4 ms with them left out; docs/benchmarks.md)."""
    gc.collect()
    gc.freeze()


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
        settings, Database(settings.effective_database_url), load_knowledge(), warm_video=True
    )
    asyncio.run(serve(application, settings, ALLOWED_UPDATES))


__all__ = ["NotMigrated", "StartupError", "ensure_schema", "run", "serve"]
