"""The console's and the relay's handlers in a test's Application, until `bot.routes` has them.

They go first in group 0, so /athletes and /broadcasts reach the console's
versions and a Telegram reply reaches the relay before the catch-all text
handler; a pending "relay" question's text goes to `relay.answer_text`.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.handlers import console, conversation, relay
from coaching.pending import Kind

PRIVATE = filters.ChatType.PRIVATE


def install_console(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    registered = {
        getattr(handler, "callback", None)
        for handlers in application.handlers.values()
        for handler in handlers
    }
    if console.athletes_command in registered:
        return  # the routes table has them
    buttons = (
        console.list_button,
        console.card_button,
        console.nudge_preview_button,
        console.nudge_send_button,
        console.broadcast_list_button,
        console.details_button,
        relay.reply_button,
    )
    ours: list[BaseHandler[Any, Any, Any]] = [
        CommandHandler("athletes", console.athletes_command, filters=PRIVATE),
        CommandHandler("broadcasts", console.broadcasts_command, filters=PRIVATE),
        CommandHandler("timezone", console.timezone_command, filters=PRIVATE),
        *(CallbackQueryHandler(button, pattern=button.matches) for button in buttons),
        MessageHandler(
            PRIVATE & filters.REPLY & filters.TEXT & ~filters.COMMAND, relay.reply_message
        ),
    ]
    group = application.handlers.setdefault(0, [])
    group[:0] = ours
    key = getattr(conversation, "ANSWERS_KEY", None)
    if key is not None:  # typed answers by kind of question, as the routes table set them
        answers = dict(application.bot_data.get(key, {}))
        answers.setdefault(Kind.RELAY, relay.answer_text)
        application.bot_data[key] = answers
