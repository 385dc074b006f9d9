"""Help, unknown commands, stray text and buttons nobody expects, and errors."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers import broadcasts as broadcast_handlers
from bot.handlers import onboarding as onboarding_handlers
from bot.handlers import selftest as selftest_handlers
from bot.handlers import settings as settings_handlers
from bot.handlers.common import language, load_athlete
from bot.render import ui
from bot.services import services
from bot.telegram_io import answer_query, send_html
from coaching import onboarding

log = logging.getLogger(__name__)
MAX_TEXT_LENGTH = 4096


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List every command with one line each."""
    athlete = await load_athlete(services(context), update)
    await send_html(update, ui(services(context).kb, language(update, athlete), "help"))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say the command is unknown and point to /help."""
    assert update.effective_message is not None
    command = (update.effective_message.text or "").split()[0][:64]
    athlete = await load_athlete(services(context), update)
    text = ui(services(context).kb, language(update, athlete), "unknown_command", command=command)
    await send_html(update, text)


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Route typed text to the flow the athlete is in, or explain what to do."""
    assert update.effective_message is not None
    text = (update.effective_message.text or "")[:MAX_TEXT_LENGTH]
    svc = services(context)
    if await broadcast_handlers.answer_text(update, svc, text):
        return
    athlete = await load_athlete(services(context), update)
    if athlete is not None and onboarding.current_step(athlete) is not None:
        await onboarding_handlers.answer_text(update, svc, athlete, text)
        return
    if athlete is not None and await selftest_handlers.answer_text(update, svc, athlete):
        return
    if athlete is not None and await settings_handlers.answer_text(update, svc, athlete, text):
        return
    await send_html(update, ui(svc.kb, language(update, athlete), "stray_text"))


async def photo_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo is a coach's broadcast if one waits for its message; else a pointer to /help."""
    if await broadcast_handlers.answer_photo(update, services(context)):
        return
    await unexpected_message(update, context)


async def unexpected_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos and other things we do not read get a pointer to /help."""
    athlete = await load_athlete(services(context), update)
    await send_html(update, ui(services(context).kb, language(update, athlete), "stray_text"))


async def unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button whose data no flow recognises: answer it so the client stops spinning."""
    query = update.callback_query
    assert query is not None
    athlete = await load_athlete(services(context), update)
    await answer_query(query, ui(services(context).kb, language(update, athlete), "stale_button"))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure and tell the athlete, rather than leaving them without a reply."""
    log.error("update failed: %r", context.error, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if update.callback_query is not None:
            await answer_query(update.callback_query)
        lang = language(update, None)
        await send_html(update, ui(services(context).kb, lang, "error"))
    except Exception:  # the error report must never raise in turn
        log.exception("could not report an error to the user")
