"""Injected failures reach PTB as the exceptions Telegram's errors would raise."""

from __future__ import annotations

import pytest
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import Application

from fakeapi import FakeBotApi, FakeUser

# RetryAfter.retry_after warns that it will become a timedelta in PTB 23.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def test_injected_429_raises_retry_after(api: FakeBotApi, app: Application) -> None:  # type: ignore[type-arg]
    FakeUser(api, 2001, started=True)
    api.fail_next("sendMessage", count=1, retry_after=7)
    with pytest.raises(RetryAfter) as raised:
        await app.bot.send_message(2001, "tip of the week")
    assert raised.value.retry_after == 7
    assert api.count_429 == 1 and api.sent_count == 0
    await app.bot.send_message(2001, "tip of the week")  # only the next call failed
    assert api.sent_count == 1


async def test_rate_limit_window(api: FakeBotApi, app: Application) -> None:  # type: ignore[type-arg]
    FakeUser(api, 2002, started=True)
    FakeUser(api, 2003, started=True)
    api.max_per_second = 3
    for _ in range(3):
        await app.bot.send_message(2002, "ok")
    with pytest.raises(RetryAfter) as raised:
        await app.bot.send_message(2003, "too many")
    assert raised.value.retry_after == 1
    assert api.count_429 == 1 and api.sent_count == 3
    assert [m.text for m in api.messages(2002)] == ["ok", "ok", "ok"]


async def test_blocked_user_is_forbidden(api: FakeBotApi, app: Application) -> None:  # type: ignore[type-arg]
    FakeUser(api, 2004, started=True)
    api.blocked_user_ids.add(2004)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await app.bot.send_message(2004, "are you there?")
    assert api.messages(2004) == []


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("line one<br>line two", 'Unsupported start tag "br" at byte offset 8'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("5 < 7", 'Unsupported start tag "" at byte offset 2'),
    ],
)
async def test_bad_html_is_rejected(
    api: FakeBotApi,
    app: Application,  # type: ignore[type-arg]
    html: str,
    error: str,
) -> None:
    FakeUser(api, 2005, started=True)
    with pytest.raises(BadRequest, match="parse entities") as raised:
        await app.bot.send_message(2005, html, parse_mode="HTML")
    assert error.lower() in raised.value.message.lower()
    assert api.sent_count == 0


async def test_edit_errors(api: FakeBotApi, app: Application) -> None:  # type: ignore[type-arg]
    FakeUser(api, 2006, started=True)
    sent = await app.bot.send_message(2006, "same")
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await app.bot.edit_message_text("same", chat_id=2006, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await app.bot.edit_message_text("x", chat_id=2006, message_id=999)
    assert await app.bot.delete_message(2006, sent.message_id)
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await app.bot.delete_message(2006, sent.message_id)


async def test_callback_answered_twice_or_unknown(api: FakeBotApi, app: Application) -> None:  # type: ignore[type-arg]
    query_id = api.new_callback_query(2007, 2007, None, "x")
    assert await app.bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await app.bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await app.bot.answer_callback_query("nope")
