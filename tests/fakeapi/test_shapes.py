"""The fast hand-composed replies equal what PTB's own types would serialise to."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import (
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    MessageEntity,
    PhotoSize,
)
from telegram.ext import Application

from fakeapi import BotMessage, FakeBotApi, FakeUser

PNG = b"\x89PNG\r\n\x1a\n..."


def ptb_dict(api: FakeBotApi, app: Application, record: BotMessage) -> dict[str, object]:  # type: ignore[type-arg]
    """Build the same message with PTB's constructors, the slow honest way."""
    file = record.file
    document = photo = None
    if file is not None and record.kind == "document":
        document = Document(
            file.file_id,
            file.file_unique_id,
            file_name=file.filename,
            mime_type=file.mime_type,
            file_size=len(file.data),
        )
    elif file is not None:
        photo = [PhotoSize(file.file_id, file.file_unique_id, 1, 1, file_size=len(file.data))]
    markup = record.reply_markup
    entities = [MessageEntity.de_json(e, None) for e in record.entities]
    return Message(
        message_id=record.message_id,
        date=datetime.fromtimestamp(record.date, UTC),
        chat=api.chat(record.chat_id),
        from_user=app.bot.bot,
        text=record.text if record.kind == "text" else None,
        entities=entities if record.kind == "text" else None,
        caption=record.text if record.kind != "text" else None,
        caption_entities=entities if record.kind != "text" else None,
        document=document,
        photo=photo,
        reply_markup=InlineKeyboardMarkup.de_json(markup, None) if markup else None,
    ).to_dict()


async def test_replies_match_ptb_serialisation(api: FakeBotApi, app: Application) -> None:  # type: ignore[type-arg]
    FakeUser(api, 4001, username="ann_runs", started=True)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
    text = await app.bot.send_message(4001, "<i>hi</i>", parse_mode="HTML", reply_markup=keyboard)
    photo = await app.bot.send_photo(4001, InputFile(PNG, filename="chart.png"))
    document = await app.bot.send_document(
        4001, b"data", filename="a.txt", caption="<b>A</b> &amp; b", parse_mode="HTML"
    )
    for sent in (text, photo, document):
        record = api.message(4001, sent.message_id)
        assert sent.to_dict() == ptb_dict(api, app, record)
        assert api.message_as_ptb(record).to_dict() == sent.to_dict()
    assert text.text == "hi" and text.reply_markup == keyboard
    assert text.text_html == "<i>hi</i>" and document.caption_html == "<b>A</b> &amp; b"
    assert api.message(4001, photo.message_id).data == PNG
