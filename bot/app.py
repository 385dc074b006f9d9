"""Wiring: the python-telegram-bot `Application` with our handlers and services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.handlers import broadcasts as broadcast_handlers
from bot.handlers import cadence, general, onboarding, privacy, reminders, selftest
from bot.handlers import settings as settings_handlers
from bot.jobs import close_dispatcher, install_jobs
from bot.services import SERVICES_KEY, Services
from bot.settings import Settings
from bot.update_processor import PerUserUpdateProcessor, slow_down_notice
from coaching import cadence as cadence_analysis
from coaching.base import utcnow
from coaching.db import Database
from knowledge import KnowledgeBase

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
    "cancel",
    "help",
    "privacy",
    "export",
    "delete",
    "leave",
)


def _commands(kb: KnowledgeBase, lang: str) -> list[BotCommand]:
    return [BotCommand(name, kb.ui_text(f"command_{name}", lang)) for name in COMMANDS]


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    services: Services = application.bot_data[SERVICES_KEY]
    await application.bot.set_my_commands(_commands(services.kb, "en"))
    await application.bot.set_my_commands(_commands(services.kb, "fi"), language_code="fi")
    await privacy.describe_bot(application)


async def _post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    services: Services = application.bot_data[SERVICES_KEY]
    await close_dispatcher(services)
    cadence_analysis.close_analysis_pool()
    await services.db.dispose()


GROUP_CHAT_SPACING = 3.0  # seconds between posts to one group chat: Telegram allows 20 a minute


def rate_limiter(settings: Settings) -> AIORateLimiter:
    """Pace sends under Telegram's flood limits and retry after a 429 (`retry_after`).

    One send per 1/rate seconds rather than "rate per second": a limiter that
    allows a burst of a whole second's quota at the start of a broadcast goes
    over any limit counted in a sliding window, and each overshoot costs a 429.
    """
    if settings.send_rate_limit == 0:
        return AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3)
    return AIORateLimiter(
        overall_max_rate=1,
        overall_time_period=1 / settings.send_rate_limit,
        group_max_rate=1,
        group_time_period=GROUP_CHAT_SPACING,
        max_retries=3,
    )


def build_application(
    settings: Settings,
    db: Database,
    kb: KnowledgeBase,
    clock: Callable[[], dt.datetime] = utcnow,
) -> Application:  # type: ignore[type-arg]
    """The bot as one object, ready for polling, a webhook, or a test."""
    api = settings.api_url
    application = (
        ApplicationBuilder()
        .token(settings.token())
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .rate_limiter(rate_limiter(settings))
        .concurrent_updates(PerUserUpdateProcessor(on_flood=slow_down_notice(kb)))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data[SERVICES_KEY] = Services(settings=settings, db=db, kb=kb, clock=clock)
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", onboarding.start, filters=private))
    application.add_handler(CommandHandler("help", general.help_command, filters=private))
    for name, callback in (
        ("selftest", selftest.start_command),
        ("cancel", selftest.cancel_command),
        ("results", selftest.results_command),
        ("plan", selftest.plan_command),
        ("settings", settings_handlers.settings_command),
        ("pause", reminders.pause_command),
        ("resume", reminders.resume_command),
        ("snooze", reminders.snooze_command),
        ("cadence", cadence.cadence_command),
    ):
        application.add_handler(CommandHandler(name, callback, filters=private))
    application.add_handler(CallbackQueryHandler(onboarding.answer_button, pattern=r"^ob:"))
    application.add_handler(CallbackQueryHandler(selftest.button, pattern=r"^st:"))
    application.add_handler(CallbackQueryHandler(reminders.warmup_button, pattern=r"^rm:"))
    application.add_handler(CallbackQueryHandler(reminders.checkin_button, pattern=r"^ci:"))
    application.add_handler(CallbackQueryHandler(settings_handlers.button, pattern=r"^set:"))
    for handler in privacy.handlers(private):
        application.add_handler(handler)
    for handler in broadcast_handlers.handlers(private):
        application.add_handler(handler)
    application.add_handler(CallbackQueryHandler(general.unknown_button))
    application.add_handler(MessageHandler(private & filters.COMMAND, general.unknown_command))
    application.add_handler(MessageHandler(private & filters.TEXT, general.text_message))
    application.add_handler(MessageHandler(private & filters.Document.ALL, cadence.receive_file))
    application.add_handler(MessageHandler(private & filters.LOCATION, onboarding.answer_location))
    application.add_handler(MessageHandler(private & filters.PHOTO, general.photo_message))
    application.add_handler(
        MessageHandler(private & ~filters.StatusUpdate.ALL, general.unexpected_message)
    )
    application.add_error_handler(general.on_error)
    install_jobs(application)
    privacy.install(application)
    return application


ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
