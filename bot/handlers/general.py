"""Help, unknown commands, messages and buttons nobody expects, and errors."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import CallbackContext

from bot.context import HipContext, handler, services, update_language
from bot.render import ui
from bot.telegram_io import answer_query, send_html
from coaching import coaches

log = logging.getLogger(__name__)


@handler
async def help_command(update: Update, context: HipContext) -> None:
    """List every command with one line each; coaches also see theirs."""
    await context.find_athlete()
    text = context.t("help")
    role = await coaches.authorise(
        await context.db(), context.svc.settings.admin_ids, context.user_id
    )
    if role is not None:
        text += "\n\n" + context.t("help_coach")
    context.reply(text)


@handler
async def unknown_command(update: Update, context: HipContext) -> None:
    """Say the command is unknown and point to /help."""
    assert update.effective_message is not None
    command = (update.effective_message.text or "").split()[0][:64]
    await context.find_athlete()
    context.say("unknown_command", command=command)


@handler
async def unexpected_message(update: Update, context: HipContext) -> None:
    """Stickers, voice messages and other things we do not read get a pointer to /help."""
    await context.find_athlete()
    context.say("stray_text")


@handler
async def unknown_button(update: Update, context: HipContext) -> None:
    """A button whose data no flow recognises: answer it so the client stops spinning."""
    await context.find_athlete()
    context.toast("stale_button")


async def on_error(update: object, context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Log the failure and tell the athlete, rather than leaving them without a reply."""
    log.error("update failed: %r", context.error, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if update.callback_query is not None:
            await answer_query(update.callback_query)
        lang = update_language(update)
        await send_html(update, ui(services(context).kb, lang, "error"))
    except Exception:  # the error report must never raise in turn
        log.exception("could not report an error to the user")


__all__ = ["help_command", "on_error", "unexpected_message", "unknown_button", "unknown_command"]
