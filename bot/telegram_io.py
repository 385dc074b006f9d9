"""Small wrappers around Bot API calls whose harmless failures we expect."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from knowledge.telegram_html import HtmlParseError, parse_html


def shows_already(message: object, text: str, markup: InlineKeyboardMarkup | None) -> bool:
    """Whether the message already shows this text, formatting and keyboard.

    Telegram refuses to "edit" a message into what it already is; checking first
    (a double tap, a Back to where the athlete is) avoids the request instead of
    swallowing its error. The HTML is read as Telegram reads it, so the check
    compares what the athlete sees, not how the HTML was spelled.
    """
    if not isinstance(message, Message) or message.text is None:
        return False
    if message.reply_markup != markup:  # the usual case, a step on: no HTML to read
        return False
    try:
        wanted = parse_html(text)
    except HtmlParseError:
        return False
    shown = [(e.type, e.offset, e.length, e.url) for e in message.entities]
    meant = [(e.type, e.offset, e.length, e.url) for e in wanted.entities]
    return message.text == wanted.text and shown == meant


async def edit_query_message(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edit the message a button sat on, unless it shows exactly that already."""
    if shows_already(query.message, text, markup):
        return
    try:
        await edit_text(query, text, markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():  # two taps racing past the check
            raise


async def edit_text(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """`query.edit_message_text(text, parse_mode=HTML, reply_markup=markup)`, answer unread.

    PTB reads Telegram's answer, the whole edited message, into a `Message` (its chat,
    sender, every entity and button) that nobody here looks at: a good part of a
    self-test tap's own CPU. The request is the one PTB's shortcut makes, sent the way
    `Bot.do_api_request` sends it (`Bot._post`: defaults, the rate limiter, errors
    raised as `TelegramError`), without that method's warning for an endpoint PTB has
    a method for; an inaccessible message is refused as the shortcut refuses it.
    """
    if query.inline_message_id:
        target: dict[str, object] = {"inline_message_id": query.inline_message_id}
    else:
        message = query.message
        if not isinstance(message, Message):
            raise TypeError("Cannot edit an inaccessible message")
        target = {
            "chat_id": message.chat_id,
            "message_id": message.message_id,
            "business_connection_id": message.business_connection_id,
        }
    data = {**target, "text": text, "parse_mode": ParseMode.HTML, "reply_markup": markup}
    await query.get_bot()._post("editMessageText", data)


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
