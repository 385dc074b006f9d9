"""Wiring: the python-telegram-bot `Application` with our context, services and routes.

Handlers and jobs are listed in `bot.routes`; the menu of commands everyone sees
is `COMMANDS` (coach commands stay out of it, and out of /help for athletes).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, cast

from telegram import BotCommand, Update
from telegram._utils.types import JSONDict
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes

from bot import routes
from bot.context import HipApplication, HipContext
from bot.handlers import privacy
from bot.jobs import close_dispatcher, dispatcher_of
from bot.sender import AiohttpRequest
from bot.services import SERVICES_KEY, Services
from bot.settings import Settings
from bot.update_processor import PerUserUpdateProcessor, slow_down_notice
from coaching import cadence as cadence_analysis
from coaching import video as video_analysis
from coaching.base import utcnow
from coaching.db import Database
from knowledge import KnowledgeBase
from scheduler.pacing import FREE

COMMANDS = (
    "start",
    "selftest",
    "results",
    "plan",
    "settings",
    "pause",
    "resume",
    "snooze",
    "cadence",
    "video",
    "cancel",
    "help",
    "privacy",
    "export",
    "delete",
    "leave",
)


def _commands(kb: KnowledgeBase, lang: str) -> list[BotCommand]:
    return [BotCommand(name, kb.ui_text(f"command_{name}", lang)) for name in COMMANDS]


async def _post_init(application: HipApplication) -> None:
    services: Services = application.bot_data[SERVICES_KEY]
    languages = services.kb.languages
    await application.bot.set_my_commands(_commands(services.kb, languages[0]))
    for lang in languages:
        await application.bot.set_my_commands(_commands(services.kb, lang), language_code=lang)
    await privacy.describe_bot(application)
    if application.bot_data.get(WARM_VIDEO_KEY):
        # In the background: loading the pose model takes seconds and must not delay polling.
        warming = asyncio.create_task(video_analysis.start_video_worker())
        application.bot_data[WARM_VIDEO_KEY] = warming


async def _post_shutdown(application: HipApplication) -> None:
    services: Services = application.bot_data[SERVICES_KEY]
    await close_dispatcher(services)
    cadence_analysis.close_analysis_pool()
    video_analysis.close_video_queue()
    await services.db.dispose()


WARM_VIDEO_KEY = "warm_video"
"""bot_data: whether to start the video worker with the bot (then the task doing it)."""

GROUP_CHAT_SPACING = 3.0  # seconds between posts to one group chat: Telegram allows 20 a minute


class MessageRateLimiter(AIORateLimiter):
    """PTB's limiter, pacing only what Telegram counts as messages sent.

    `AIORateLimiter` paces every call that names a chat, edits included: a
    self-test tap's edited question then queued behind the 30 a second meant for
    new messages, and under load a tap waited seconds for its turn. Edits and
    other calls keep the retry after a 429, without the pacing.

    Each new message (each attempt of it) first waits for `on_message`: its turn
    on the bot's pace of new messages, which the outbox's broadcasts make room
    for (`scheduler.pacing.SharedPace.reply_turn`).
    """

    def __init__(
        self, *, on_message: Callable[[], Awaitable[None]] | None = None, **limits: Any
    ) -> None:
        super().__init__(**limits)
        self.on_message = on_message

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        if not sends_a_message(endpoint):
            data = {name: value for name, value in data.items() if name != "chat_id"}
        elif self.on_message is not None:
            callback = _after(self.on_message, callback)
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )


def _after(
    first: Callable[[], Awaitable[None]],
    callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
) -> Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]]:
    """`callback`, each call of it (a retry after a 429 too) made once `first` is done."""

    async def call(*args: Any, **kwargs: Any) -> bool | JSONDict | list[JSONDict]:
        await first()
        return await callback(*args, **kwargs)

    return call


def sends_a_message(endpoint: str) -> bool:
    """sendMessage, sendPhoto, ... copyMessage, forwardMessage: a new message in a chat."""
    return endpoint.startswith(("send", "copyMessage", "forwardMessage")) and (
        endpoint != "sendChatAction"
    )


def rate_limiter(settings: Settings, on_message: Callable[[], Awaitable[None]]) -> AIORateLimiter:
    """Pace new messages under Telegram's flood limits and retry after a 429 (`retry_after`).

    The bot-wide pace of new messages is the outbox's ordinary lane, which
    replies take their turns from (`on_message`): one count of messages a second
    for broadcasts and replies together, replies first. Messages to one group
    keep their own spacing.
    """
    if settings.send_rate_limit == 0:
        return AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3)
    return MessageRateLimiter(
        on_message=on_message,
        overall_max_rate=0,
        group_max_rate=1,
        group_time_period=GROUP_CHAT_SPACING,
        max_retries=3,
    )


async def reply_turn(services: Services) -> None:
    """A reply is about to go: it takes its turn on the outbox's ordinary lane, which
    makes room for it (the lane is this instance's one pace of new messages)."""
    await dispatcher_of(services).paces[FREE].reply_turn()


def build_application(
    settings: Settings,
    db: Database,
    kb: KnowledgeBase,
    clock: Callable[[], dt.datetime] = utcnow,
    *,
    warm_video: bool = False,
) -> HipApplication:
    """The bot as one object, ready for polling, a webhook, or a test.

    `warm_video` starts the video worker (and loads its pose model) with the bot
    rather than on the first clip: `hipcoach run` does; tests need not pay for it.
    """
    api = settings.api_url
    services = Services(settings=settings, db=db, kb=kb, clock=clock)
    application = cast(
        HipApplication,
        ApplicationBuilder()
        .token(settings.token())
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .request(AiohttpRequest())  # replies to people: cheaper per request than httpx
        .get_updates_request(AiohttpRequest(connections=1))  # one long poll at a time
        .context_types(ContextTypes(context=HipContext))
        .rate_limiter(rate_limiter(settings, on_message=lambda: reply_turn(services)))
        .concurrent_updates(PerUserUpdateProcessor(on_flood=slow_down_notice(kb)))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build(),
    )
    application.bot_data[SERVICES_KEY] = services
    application.bot_data[WARM_VIDEO_KEY] = warm_video
    routes.install(application)
    return application


ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
