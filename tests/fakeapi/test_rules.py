"""The fake refuses what Telegram refuses, in Telegram's words: one test per rule."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from telegram import InputFile, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application

from fakeapi import FakeBotApi, FakeUser
from fakeapi.chats import (
    CALLBACK_QUERY_MAX_AGE,
    GROUP_PER_MINUTE,
    MAX_DOWNLOAD_BYTES,
    MAX_UPLOAD_BYTES,
    PRIVATE_BURST,
)

App = Application[Any, Any, Any, Any, Any, Any]
TOKEN = "42:abcdefghijklmnopqrstuvwxyz"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
MIB = 1024 * 1024


def call(api: FakeBotApi, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    """POST a JSON body; return (HTTP status, decoded reply)."""
    request = urllib.request.Request(
        f"{api.base_url}{TOKEN}/{method}",
        data=json.dumps(params).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def refused(api: FakeBotApi, method: str, **params: Any) -> tuple[int, str]:
    status, body = call(api, method, **params)
    assert not body["ok"], body
    return status, body["description"]


def ok(api: FakeBotApi, method: str, **params: Any) -> Any:
    status, body = call(api, method, **params)
    assert status == 200 and body["ok"], body
    return body["result"]


@pytest.fixture
def ann(api: FakeBotApi) -> FakeUser:
    return FakeUser(api, 501, first_name="Ann", started=True)


def keyboard(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"inline_keyboard": [list(buttons)]}


# ---------------------------------------------------------------------- text


def test_html_is_parsed_as_telegram_does(api: FakeBotApi, ann: FakeUser) -> None:
    result = ok(
        api, "sendMessage", chat_id=501, text="  <b>Hills</b> &amp; strides\n", parse_mode="HTML"
    )
    assert result["text"] == "Hills & strides"
    assert result["entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    assert refused(api, "sendMessage", chat_id=501, text="Pace <5:00/km", parse_mode="HTML") == (
        400,
        "Bad Request: can't parse entities: Unclosed start tag at byte offset 5",
    )
    assert refused(
        api, "sendMessage", chat_id=501, text="<a href=https://x.y>x</a>", parse_mode="HTML"
    )[1].endswith("Unexpected end of name token at byte offset 8")


def test_entities_passed_by_the_bot(api: FakeBotApi, ann: FakeUser) -> None:
    bold = {"type": "bold", "offset": 3, "length": 3}
    result = ok(api, "sendMessage", chat_id=501, text="Hi Ann", entities=[bold])
    assert (result["text"], result["entities"]) == ("Hi Ann", [bold])
    outside = {"type": "bold", "offset": 3, "length": 4}
    assert refused(api, "sendMessage", chat_id=501, text="Hi Ann", entities=[outside]) == (
        400,
        "Bad Request: entity is out of the text",
    )


@pytest.mark.parametrize("text", ["", "   ", "\u200b", "&#8203;", "<b> </b>"])
def test_text_empty_after_parsing(api: FakeBotApi, ann: FakeUser, text: str) -> None:
    assert refused(api, "sendMessage", chat_id=501, text=text, parse_mode="HTML") == (
        400,
        "Bad Request: message text is empty",
    )


def test_length_is_counted_after_parsing_in_utf16(api: FakeBotApi, ann: FakeUser) -> None:
    ok(api, "sendMessage", chat_id=501, text="&amp;" * 4096, parse_mode="HTML")
    assert refused(api, "sendMessage", chat_id=501, text="🏃" * 2049) == (
        400,
        "Bad Request: message text is too long",
    )


async def test_caption_limit_and_entities(api: FakeBotApi, app: App, ann: FakeUser) -> None:
    with pytest.raises(BadRequest, match="caption is too long"):
        await app.bot.send_photo(501, InputFile(PNG, filename="a.png"), caption="x" * 1025)
    sent = await app.bot.send_photo(
        501, InputFile(PNG, filename="a.png"), caption="<i>hi</i> &lt;3", parse_mode="HTML"
    )
    assert sent.caption_html == "<i>hi</i> &lt;3"


# ---------------------------------------------------------------------- keyboards


@pytest.mark.parametrize(
    ("button", "description"),
    [
        ({"text": "Go", "callback_data": "x" * 65}, "Bad Request: BUTTON_DATA_INVALID"),
        ({"text": "Go", "callback_data": "é" * 33}, "Bad Request: BUTTON_DATA_INVALID"),
        ({"text": "Go", "callback_data": ""}, "Bad Request: BUTTON_DATA_INVALID"),
        (
            {"text": "Go"},
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard",
        ),
        (
            {"text": "Go", "callback_data": "go", "url": "https://x.y"},
            "Bad Request: can't parse inline keyboard button: "
            "exactly one of the optional fields must be used",
        ),
        ({"text": "Go", "url": "javascript:alert(1)"}, "Bad Request: BUTTON_URL_INVALID"),
        ({"text": "", "callback_data": "go"}, "Bad Request: BUTTON_TEXT_INVALID"),
    ],
)
def test_bad_buttons_are_refused(
    api: FakeBotApi, ann: FakeUser, button: dict[str, Any], description: str
) -> None:
    assert refused(api, "sendMessage", chat_id=501, text="q", reply_markup=keyboard(button)) == (
        400,
        description,
    )
    assert api.messages(501) == []


def test_keyboard_limits(api: FakeBotApi, ann: FakeUser) -> None:
    ok(
        api,
        "sendMessage",
        chat_id=501,
        text="q",
        reply_markup=keyboard({"text": "é", "callback_data": "é" * 32}),
    )
    hundred = {"inline_keyboard": [[{"text": str(i), "callback_data": str(i)}] for i in range(100)]}
    sent = ok(api, "sendMessage", chat_id=501, text="q", reply_markup=hundred)
    more = {"inline_keyboard": [*hundred["inline_keyboard"], [{"text": "x", "callback_data": "x"}]]}
    assert refused(api, "sendMessage", chat_id=501, text="q", reply_markup=more) == (
        400,
        "Bad Request: REPLY_MARKUP_TOO_LONG",
    )
    assert refused(
        api,
        "editMessageReplyMarkup",
        chat_id=501,
        message_id=sent["message_id"],
        reply_markup=keyboard({"text": "x", "callback_data": "x" * 65}),
    ) == (400, "Bad Request: BUTTON_DATA_INVALID")


# ---------------------------------------------------------------------- callback queries


def test_answer_text_limit(api: FakeBotApi, ann: FakeUser) -> None:
    query_id = api.new_callback_query(501, 501, None, "x")
    assert refused(api, "answerCallbackQuery", callback_query_id=query_id, text="x" * 201) == (
        400,
        "Bad Request: MESSAGE_TOO_LONG",
    )
    ok(api, "answerCallbackQuery", callback_query_id=query_id, text="é" * 200)


def test_queries_expire(api: FakeBotApi, ann: FakeUser) -> None:
    assert api.callback_query_max_age == CALLBACK_QUERY_MAX_AGE == 15 * 60
    fresh, old = (api.new_callback_query(501, 501, None, "x") for _ in range(2))
    api.age_callback_query(old, CALLBACK_QUERY_MAX_AGE + 1)
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    assert refused(api, "answerCallbackQuery", callback_query_id=old) == (400, too_old)
    api.age_callback_query(fresh, 60)
    ok(api, "answerCallbackQuery", callback_query_id=fresh)
    api.callback_query_max_age = 30  # configurable, e.g. to test a slow handler
    late = api.new_callback_query(501, 501, None, "x")
    api.age_callback_query(late, 31)
    assert refused(api, "answerCallbackQuery", callback_query_id=late) == (400, too_old)


def test_callback_messages_carry_entities(api: FakeBotApi, ann: FakeUser) -> None:
    html = '<b>Hip test</b> step <i>2</i> of 7 <a href="https://x.y/">why</a>'
    buttons = keyboard({"text": "Yes", "callback_data": "st:1:2:y"})
    ok(api, "sendMessage", chat_id=501, text=html, parse_mode="HTML", reply_markup=buttons)
    ann.tap("Yes")
    [raw] = ok(api, "getUpdates")
    update = Update.de_json(raw, None)
    assert update.callback_query is not None
    message = update.callback_query.message
    assert isinstance(message, Message)
    assert message.text_html == html


# ---------------------------------------------------------------------- edits


def test_not_modified_compares_text_entities_and_keyboard(api: FakeBotApi, ann: FakeUser) -> None:
    sent = ok(api, "sendMessage", chat_id=501, text="<b>Week</b> 1", parse_mode="HTML")
    where = {"chat_id": 501, "message_id": sent["message_id"]}
    status, description = refused(
        api, "editMessageText", text="<b>Week</b> 1\n", parse_mode="HTML", **where
    )
    assert (status, description.split(":")[0]) == (400, "Bad Request")
    assert "message is not modified" in description
    ok(api, "editMessageText", text="<i>Week</i> 1", parse_mode="HTML", **where)  # entities differ
    ok(api, "editMessageText", text="Week 1", **where)  # no entities: differs again
    buttons = keyboard({"text": "Go", "callback_data": "go"})
    ok(api, "editMessageText", text="Week 1", reply_markup=buttons, **where)  # keyboard differs
    assert (
        "not modified" in refused(api, "editMessageReplyMarkup", reply_markup=buttons, **where)[1]
    )
    assert refused(api, "editMessageText", text="\u200b", **where) == (
        400,
        "Bad Request: message text is empty",
    )


# ---------------------------------------------------------------------- chats


def test_unknown_chat_and_user_who_never_started(api: FakeBotApi) -> None:
    assert refused(api, "sendMessage", chat_id=777, text="hi") == (
        400,
        "Bad Request: chat not found",
    )
    bo = FakeUser(api, 778, first_name="Bo")
    never = (403, "Forbidden: bot can't initiate conversation with a user")
    assert refused(api, "sendMessage", chat_id=778, text="hi") == never
    assert refused(api, "sendChatAction", chat_id=778, action="typing") == never
    bo.send_text("hello")  # now the bot may answer
    ok(api, "sendMessage", chat_id=778, text="hi")
    api.blocked_user_ids.add(778)
    assert refused(api, "sendMessage", chat_id=778, text="hi") == (
        403,
        "Forbidden: bot was blocked by the user",
    )


def test_lenient_chats_for_benchmarks() -> None:
    with FakeBotApi(strict_chats=False) as lenient:
        ok(lenient, "sendMessage", chat_id=779, text="made up and started")
        assert (
            refused(lenient, "sendMessage", chat_id=-779, text="hi")[1]
            == "Bad Request: chat not found"
        )


def test_private_chat_flood(api: FakeBotApi, ann: FakeUser) -> None:
    assert api.private_burst == PRIVATE_BURST == 5
    for _ in range(5):
        ok(api, "sendMessage", chat_id=501, text="burst")
    status, body = call(api, "sendMessage", chat_id=501, text="one too many")
    assert (status, body["parameters"]) == (429, {"retry_after": 1})
    assert body["description"] == "Too Many Requests: retry after 1"
    FakeUser(api, 502, started=True)
    ok(api, "sendMessage", chat_id=502, text="another chat is not held up")
    ok(api, "sendChatAction", chat_id=501, action="typing")  # not a message


def test_group_flood(api: FakeBotApi, ann: FakeUser) -> None:
    assert api.group_per_minute == GROUP_PER_MINUTE == 20
    api.add_bot_to_group(-42, "Runners", ann)
    for _ in range(20):
        ok(api, "sendMessage", chat_id=-42, text="post")
    status, body = call(api, "sendMessage", chat_id=-42, text="one too many")
    assert status == 429 and 55 <= body["parameters"]["retry_after"] <= 60
    api.group_per_minute = None  # off, e.g. for a load test
    ok(api, "sendMessage", chat_id=-42, text="post")


def test_supergroup_migration(api: FakeBotApi, ann: FakeUser) -> None:
    api.add_bot_to_group(-43, "Runners", ann)
    ok(api, "sendMessage", chat_id=-43, text="before")
    new_id = api.migrate_to_supergroup(-43)
    assert new_id == -1_000_000_000_043
    for _ in range(2):  # every send to the old id, not only the next
        status, body = call(api, "sendMessage", chat_id=-43, text="after")
        assert (status, body["description"]) == (
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
        )
        assert body["parameters"] == {"migrate_to_chat_id": new_id}
    result = ok(api, "sendMessage", chat_id=new_id, text="after")
    assert result["chat"] == {"id": new_id, "type": "supergroup", "title": "Runners"}
    with pytest.raises(ValueError, match="not a basic group"):
        api.migrate_to_supergroup(new_id)


# ---------------------------------------------------------------------- bot settings


def test_set_my_commands(api: FakeBotApi) -> None:
    def commands(*pairs: tuple[str, str]) -> list[dict[str, str]]:
        return [{"command": c, "description": d} for c, d in pairs]

    ok(api, "setMyCommands", commands=commands(("start", "Begin"), ("self_test2", "x" * 256)))
    invalid = (400, "Bad Request: BOT_COMMAND_INVALID")
    for name in ("Start", "", "x" * 33, "go-on", "/start"):
        assert refused(api, "setMyCommands", commands=commands((name, "d"))) == invalid
    bad_description = (400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
    for description in ("", " ", "x" * 257):
        assert (
            refused(api, "setMyCommands", commands=commands(("go", description))) == bad_description
        )
    many = commands(*((f"c{i}", "d") for i in range(101)))
    assert refused(api, "setMyCommands", commands=many) == (
        400,
        "Bad Request: BOT_COMMANDS_TOO_MUCH",
    )
    ok(api, "setMyCommands", commands=commands(("go", "d")), language_code="fi")
    bad_language = (400, "Bad Request: Invalid language code specified")
    for code in ("FI", "fin", "f"):
        assert (
            refused(api, "setMyCommands", commands=commands(("go", "d")), language_code=code)
            == bad_language
        )
        assert refused(api, "getMyCommands", language_code=code) == bad_language
    assert ok(api, "getMyCommands", language_code="fi") == commands(("go", "d"))


@pytest.mark.parametrize(
    ("method", "field", "limit"),
    [
        ("setMyDescription", "description", 512),
        ("setMyShortDescription", "short_description", 120),
        ("setMyName", "name", 64),
    ],
)
def test_bot_texts(api: FakeBotApi, method: str, field: str, limit: int) -> None:
    ok(api, method, **{field: "é" * limit})
    status, description = refused(api, method, **{field: "x" * (limit + 1)})
    assert status == 400 and description.endswith("is too long")
    assert refused(api, method, **{field: "x", "language_code": "xx_YY"})[1] == (
        "Bad Request: Invalid language code specified"
    )


# ---------------------------------------------------------------------- webhook


def test_strict_webhook_takes_only_what_telegram_delivers_to() -> None:
    https = "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
    ports = "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
    with FakeBotApi(strict_webhook=True) as strict:
        assert refused(strict, "setWebhook", url="http://127.0.0.1:8080/hook") == (400, https)
        assert refused(strict, "setWebhook", url="https://bot.example.com:8080/hook") == (
            400,
            ports,
        )
        for url in ("https://bot.example.com/hook", "https://bot.example.com:8443/hook"):
            ok(strict, "setWebhook", url=url)
            ok(strict, "deleteWebhook")
    with FakeBotApi() as loopback:  # the default: plain HTTP to loopback for e2e tests
        ok(loopback, "setWebhook", url="http://127.0.0.1:8080/hook")
        ok(loopback, "deleteWebhook")
        assert refused(loopback, "setWebhook", url="ftp://x.y/hook") == (400, https)


# ---------------------------------------------------------------------- files


async def test_get_file_over_20_mb(api: FakeBotApi, app: App) -> None:
    assert api.max_download_bytes == MAX_DOWNLOAD_BYTES == 20 * MIB
    fits = api.store_file(b"x" * (20 * MIB), filename="fits.fit")
    too_big = api.store_file(b"x" * (20 * MIB + 1), filename="big.fit")
    assert (await app.bot.get_file(fits.file_id)).file_size == 20 * MIB
    with pytest.raises(BadRequest, match="(?i)file is too big"):
        await app.bot.get_file(too_big.file_id)


async def test_send_document_over_the_limit(api: FakeBotApi, app: App, ann: FakeUser) -> None:
    assert api.max_upload_bytes == MAX_UPLOAD_BYTES == 50 * MIB
    api.max_upload_bytes = 1000  # the rule, without moving 50 MB through a test
    await app.bot.send_document(501, b"x" * 1000, filename="ok.csv")
    with pytest.raises(Exception, match="Request Entity Too Large"):
        await app.bot.send_document(501, b"x" * 1001, filename="big.csv")


async def test_send_photo_takes_images_only(api: FakeBotApi, app: App, ann: FakeUser) -> None:
    with pytest.raises(BadRequest, match="(?i)image_process_failed"):
        await app.bot.send_photo(501, InputFile(b"week,km\n1,20\n", filename="plan.png"))
    document = await app.bot.send_document(501, b"week,km\n", filename="plan.csv")
    assert document.document is not None
    with pytest.raises(BadRequest, match="(?i)document as photo"):
        await app.bot.send_photo(501, document.document.file_id)
    photo = await app.bot.send_photo(501, InputFile(PNG, filename="chart.png"))
    await app.bot.send_photo(501, photo.photo[-1].file_id)  # a photo's file_id is fine
    with pytest.raises(BadRequest, match="(?i)photo as document"):
        await app.bot.send_document(501, photo.photo[-1].file_id)
