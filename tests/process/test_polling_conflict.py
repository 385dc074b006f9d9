"""Two processes long polling one token: Telegram answers one of them 409 Conflict.

`hipcoach run` names the cause once, however often the conflict repeats, and
keeps polling (docs/operations.md, "Several instances"): when the other
process goes away, this one serves every update again.
"""

from __future__ import annotations

from pathlib import Path

from fakeapi import FakeBotApi, FakeUser
from tests.e2e.harness import BotProcess

CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
WARNING = "another instance is polling this token; use webhooks for several instances"


def test_a_second_poller_is_named_once_and_polling_goes_on(api: FakeBotApi, tmp_path: Path) -> None:
    api.fail_next("getUpdates", count=3, error_code=409, description=CONFLICT)
    bot = BotProcess(api, tmp_path / "data")
    bot.start()  # returns once a long poll waits: the conflicting ones are behind it
    conflicts = [call for call in api.calls if call.error_code == 409]
    assert len(conflicts) == 3

    FakeUser(api, 9101).send_command("/help")
    api.wait_event(9101, 0, lambda event: "/privacy" in (event.text or ""), 15)
    assert bot.terminate() == 0

    log = bot.log()
    assert log.count(WARNING) == 1, log
    assert "Traceback" not in log and "Conflict" not in log, log
