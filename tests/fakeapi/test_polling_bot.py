"""A real PTB Application long-polls the fake: conversation, buttons, files."""

from __future__ import annotations

from telegram.ext import Application

from fakeapi import FakeBotApi, FakeUser


async def test_echo_roundtrip(api: FakeBotApi, app: Application) -> None:  # type: ignore[type-arg]
    ann = FakeUser(api, 1001)
    ann.send_text("hello & <world>")
    reply = await ann.wait_message_async(contains="echo")
    assert reply.text == "echo: hello & <world>"
    assert reply.kind == "message"
    assert ann.last_message is not None and ann.last_message.message_id == reply.message_id


async def test_tap_button_is_answered_and_edits(api: FakeBotApi, app: Application) -> None:  # type: ignore[type-arg]
    ann = FakeUser(api, 1002)
    ann.send_command("/start")
    question = await ann.wait_message_async(contains="hip")
    assert question.text == "Does your hip hurt?"  # tags stripped, as the user sees it
    assert question.message.raw_text == "<b>Does your hip hurt?</b>"
    assert ann.buttons(question) == [[("Yes, it hurts", "q:1:yes")], [("No", "q:1:no")]]

    query_id = ann.tap("Yes")  # substring match when no exact one
    answered = await ann.wait_callback_answered_async(query_id, timeout=2)
    assert answered.answer_text == "Saved"
    edit = await ann.wait_message_async(contains="You answered")
    assert edit.kind == "edit" and edit.message_id == question.message_id
    assert ann.text_of(question.message_id) == "You answered: yes"
    assert ann.buttons(question.message_id) == []  # editing without markup drops it
    assert question.message.edits[0].text == "Does your hip hurt?"


async def test_forged_data_gets_polite_alert(api: FakeBotApi, app: Application) -> None:  # type: ignore[type-arg]
    ann = FakeUser(api, 1003)
    ann.send_command("/start")
    question = await ann.wait_message_async()
    query_id = ann.tap_data(question.message_id, "q:1:drop-table")
    answered = await ann.wait_callback_answered_async(query_id, timeout=2)
    assert answered.show_alert and answered.answer_text == "That button is out of date."
    await ann.assert_no_message_async(within=0.1)
    assert ann.text_of(question.message_id) == "Does your hip hurt?"


async def test_bot_sends_document(api: FakeBotApi, app: Application) -> None:  # type: ignore[type-arg]
    ann = FakeUser(api, 1004)
    ann.send_command("/file")
    sent = await ann.wait_message_async(contains="plan")
    assert sent.message.kind == "document"
    assert sent.message.data == b"week,km\n1,20\n"
    assert sent.message.filename == "plan.csv"
    # The bot can fetch what it uploaded, by file_id, through the download URL.
    assert sent.message.file is not None
    file = await app.bot.get_file(sent.message.file.file_id)
    assert bytes(await file.download_as_bytearray()) == b"week,km\n1,20\n"


async def test_bot_downloads_user_document(api: FakeBotApi, app: Application) -> None:  # type: ignore[type-arg]
    ann = FakeUser(api, 1005)
    ann.send_document("run.gpx", b"<gpx>...</gpx>", mime_type="application/gpx+xml")
    reply = await ann.wait_message_async(contains="got")
    assert reply.text == "got 14 bytes: <gpx>"


async def test_group_join_and_post(api: FakeBotApi, app: Application) -> None:  # type: ignore[type-arg]
    coach = FakeUser(api, 1006, first_name="Cole")
    seen: list[int] = []

    from telegram.ext import ChatMemberHandler

    async def joined(update: object, context: object) -> None:
        seen.append(update.my_chat_member.chat.id)  # type: ignore[attr-defined]

    app.add_handler(ChatMemberHandler(joined, ChatMemberHandler.MY_CHAT_MEMBER))
    api.add_bot_to_group(-100123, "Tuesday runners", coach, chat_type="supergroup")
    coach.send_text("hi team", chat_id=-100123)
    reply = await coach.wait_message_async(chat_id=-100123, contains="echo")
    assert reply.text == "echo: hi team"
    assert seen == [-100123]
