"""The PTB Sender maps Telegram's errors to outcomes the dispatcher can record."""

from __future__ import annotations

from typing import Any

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.sender import BotSender
from scheduler.sender import Outcome, OutgoingMessage


class RaisingBot:
    def __init__(self, error: Exception) -> None:
        self.error = error

    async def send_message(self, **kwargs: Any) -> Any:
        raise self.error


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (RetryAfter(7), Outcome.RETRY),
        (Forbidden("Forbidden: bot was blocked by the user"), Outcome.BLOCKED),
        (BadRequest("Bad Request: chat not found"), Outcome.BLOCKED),
        (BadRequest("Bad Request: can't parse entities"), Outcome.FAILED),
        (TimedOut("Timed out"), Outcome.UNKNOWN),
        (
            TimedOut("Pool timeout: All connections in the connection pool are occupied"),
            Outcome.RETRY,
        ),
        (NetworkError("httpx.ConnectError: connection refused"), Outcome.RETRY),
        (NetworkError("httpx.RemoteProtocolError: server disconnected"), Outcome.UNKNOWN),
    ],
)
async def test_error_mapping(error: Exception, outcome: Outcome) -> None:
    result = await BotSender(RaisingBot(error)).send(OutgoingMessage(1, "hi", [[("a", "b")]]))
    assert result.outcome is outcome
    if isinstance(error, RetryAfter):
        assert result.retry_after == 7


class RecordingBot:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def send_message(self, **kwargs: Any) -> Any:
        self.calls.append(("send_message", kwargs))
        return type("Sent", (), {"message_id": 1})()

    async def send_photo(self, **kwargs: Any) -> Any:
        self.calls.append(("send_photo", kwargs))
        return type("Sent", (), {"message_id": 2})()


async def test_photo_goes_out_with_send_photo_and_the_text_as_caption() -> None:
    bot = RecordingBot()
    result = await BotSender(bot).send(OutgoingMessage(1, "<b>hi</b>", photo="FILE-ID"))
    assert result.outcome is Outcome.SENT and result.message_id == 2
    [(method, kwargs)] = bot.calls
    assert method == "send_photo"
    assert (kwargs["photo"], kwargs["caption"], kwargs["parse_mode"]) == (
        "FILE-ID",
        "<b>hi</b>",
        "HTML",
    )
    assert "allow_paid_broadcast" not in kwargs


async def test_only_paid_messages_ask_for_a_paid_broadcast() -> None:
    bot = RecordingBot()
    await BotSender(bot).send(OutgoingMessage(1, "free"))
    await BotSender(bot).send(OutgoingMessage(1, "paid", paid=True))
    await BotSender(bot).send(OutgoingMessage(1, "", photo="F", paid=True))
    assert "allow_paid_broadcast" not in bot.calls[0][1]
    assert bot.calls[1][1]["allow_paid_broadcast"] is True
    assert bot.calls[2][0] == "send_photo" and bot.calls[2][1]["allow_paid_broadcast"] is True
    assert bot.calls[2][1]["caption"] is None
