"""An edit into what the message already shows is not sent at all."""

from __future__ import annotations

import datetime as dt

from telegram import (
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
)

from bot.telegram_io import shows_already

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Done", callback_data="rm:1:d")]])


def shown(text: str, entities: list[MessageEntity], markup: InlineKeyboardMarkup | None) -> Message:
    return Message(
        message_id=7,
        date=dt.datetime(2026, 11, 29, tzinfo=dt.UTC),
        chat=Chat(id=1, type=Chat.PRIVATE),
        text=text,
        entities=entities,
        reply_markup=markup,
    )


def test_the_same_text_formatting_and_keyboard_is_recognised() -> None:
    message = shown("Hills & strides", [MessageEntity("bold", 0, 5)], KEYBOARD)
    assert shows_already(message, "<b>Hills</b> &amp; strides", KEYBOARD)
    assert shows_already(message, "<strong>Hills</strong> &amp; strides", KEYBOARD)


def test_any_difference_means_an_edit() -> None:
    message = shown("Hills & strides", [MessageEntity("bold", 0, 5)], KEYBOARD)
    assert not shows_already(message, "Hills &amp; strides", KEYBOARD)  # formatting
    assert not shows_already(message, "<b>Hills</b> &amp; stride", KEYBOARD)  # text
    assert not shows_already(message, "<b>Hills</b> &amp; strides", None)  # keyboard
    assert not shows_already(None, "<b>Hills</b>", None)
    assert not shows_already(message, "<b>broken", KEYBOARD)  # let Telegram say why
