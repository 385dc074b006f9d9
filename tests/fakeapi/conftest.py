"""Fixtures: a fake Bot API per test and a bare PTB Application polling it.

The bot here is a minimal stand-in (echo, a two-button question, file in and
out) so these tests exercise the fake, not Hip Coach's handlers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from fakeapi import FakeBotApi

TOKEN = "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
QUESTION = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Yes, it hurts", callback_data="q:1:yes")],
        [InlineKeyboardButton("No", callback_data="q:1:no")],
    ]
)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask the one question, with buttons."""
    assert update.effective_message is not None
    await update.effective_message.reply_html("<b>Does your hip hurt?</b>", reply_markup=QUESTION)


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Accept a current answer, politely refuse anything else."""
    query = update.callback_query
    assert query is not None
    choice = (query.data or "").removeprefix("q:1:")
    if choice not in ("yes", "no"):
        await query.answer("That button is out of date.", show_alert=True)
        return
    await query.answer("Saved")
    await query.edit_message_text(f"You answered: {choice}")


async def send_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send a small document back."""
    assert update.effective_message is not None
    await update.effective_message.reply_document(
        b"week,km\n1,20\n", filename="plan.csv", caption="Your plan"
    )


async def receive_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Download what the user sent and report its size and first bytes."""
    message = update.effective_message
    assert message is not None and message.document is not None
    data = await (await context.bot.get_file(message.document.file_id)).download_as_bytearray()
    await message.reply_text(f"got {len(data)} bytes: {bytes(data[:5]).decode()}")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Repeat plain text."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


def build_app(api: FakeBotApi) -> Application:  # type: ignore[type-arg]
    """A PTB application wired to the fake server, with the stand-in handlers."""
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("file", send_file))
    app.add_handler(CallbackQueryHandler(answer))
    app.add_handler(MessageHandler(filters.Document.ALL, receive_file))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    """A fresh fake server per test."""
    with FakeBotApi() as server:
        yield server


@pytest.fixture
async def app(api: FakeBotApi) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """The stand-in bot, long polling the fake server in the test's loop."""
    application = build_app(api)
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield application
    finally:
        if application.updater.running:
            await application.updater.stop()
        await application.stop()
        await application.shutdown()
