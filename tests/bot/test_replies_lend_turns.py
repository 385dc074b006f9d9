"""Replies take their turns from the outbox's ordinary lane (`SharedPace.reply_turn`)."""

from __future__ import annotations

from typing import Any

from bot.app import MessageRateLimiter


async def test_each_new_message_lends_a_turn_and_edits_do_not() -> None:
    lent: list[str] = []

    async def turn() -> None:
        lent.append("turn")

    limiter = MessageRateLimiter(on_message=turn, overall_max_rate=0, group_max_rate=0)

    async def call(*args: Any, **kwargs: Any) -> bool:
        lent.append("sent")
        return True

    for endpoint in ("sendMessage", "sendPhoto", "copyMessage", "editMessageText"):
        await limiter.process_request(call, (), {}, endpoint, {"chat_id": 7}, None)
    for endpoint in ("answerCallbackQuery", "sendChatAction", "getMe"):
        await limiter.process_request(call, (), {}, endpoint, {}, None)
    assert lent == ["turn", "sent"] * 3 + ["sent"] * 4  # the turn is taken just before
