"""Small wrappers around Bot API calls whose harmless failures we expect."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest


async def edit_query_message(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edit the message a button sat on; a double tap ("not modified") is a no-op."""
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


async def answer_query(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a button press; one that is too old to answer is not an error."""
    try:
        await query.answer(text)
    except BadRequest as exc:
        if "query is too old" not in exc.message.lower():
            raise


async def send_html(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Send a new HTML message to the chat the update came from."""
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=markup)
