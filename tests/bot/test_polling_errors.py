"""Polling failures are said once per episode, each naming its cause."""

from __future__ import annotations

import logging

import pytest
from telegram.error import Conflict, NetworkError, TimedOut

from bot.polling_errors import CONFLICT_WARNING, QUIET_PERIOD, WEBHOOK_SET_WARNING, PollingTrouble

POLLER = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_each_trouble_is_said_once_per_episode(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    report = PollingTrouble(clock)
    with caplog.at_level(logging.WARNING, logger="bot.polling_errors"):
        for _ in range(5):  # PTB retries after 1, 1.5, 2.25 ... up to 30 s
            report(Conflict(POLLER))
            clock.now += 30
        report(Conflict(WEBHOOK))
        report(NetworkError("httpx.ConnectError: All connection attempts failed"))
        report(TimedOut())  # also a network error, same episode
        clock.now += QUIET_PERIOD + 1
        report(Conflict(POLLER))  # quiet for longer than any back-off: a new episode
    assert [record.getMessage() for record in caplog.records] == [
        CONFLICT_WARNING,
        WEBHOOK_SET_WARNING,
        "cannot reach the Bot API (httpx.ConnectError: All connection attempts failed); "
        "still polling",
        CONFLICT_WARNING,
    ]
    assert all(record.exc_info is None for record in caplog.records)
