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
