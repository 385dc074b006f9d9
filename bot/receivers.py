"""Where updates come from: long polling, or our webhook server.

Both are started and stopped by `bot.runner`, and both can say when no update
can come in any more (`failure`), so the process stops instead of running on
deaf.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from contextlib import suppress
from typing import Any, Protocol, TypeAlias

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ExtBot

from bot.polling_errors import PollingTrouble
from bot.settings import Settings
from bot.startup import listen_failure
from bot.webhook_server import WebhookServer

log = logging.getLogger(__name__)

WEBHOOK_PATH = "telegram"
POLLING_TASK = "Updater:start_polling:polling_task"  # PTB's name for its polling loop
App: TypeAlias = "Application[Any, Any, Any, Any, Any, Any]"


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
