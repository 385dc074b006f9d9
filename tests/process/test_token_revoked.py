"""The token is revoked while the bot runs: the process stops in one line, exit 2.

PTB's polling gives up on a rejected token and, left alone, the process would
go on running jobs without ever receiving an update again. A supervisor can
only restart (and an operator only notice) a process that exits.
"""

from __future__ import annotations

from pathlib import Path

from fakeapi import FakeBotApi, FakeUser
from tests.e2e.harness import TOKEN, BotProcess


def test_a_token_revoked_while_polling_stops_the_process(api: FakeBotApi, tmp_path: Path) -> None:
    bot = BotProcess(api, tmp_path / "data")
    bot.start()
    api.fail_next("getUpdates", count=1, error_code=401, description="Unauthorized")
    FakeUser(api, 9301).send_command("/help")  # ends the waiting poll; the next one is refused
    assert bot.process is not None
    assert bot.process.wait(30) == 2

    log = bot.log()
    last = log.strip().splitlines()[-1]
    assert last.startswith("hipcoach: TELEGRAM_BOT_TOKEN: rejected by Telegram"), log
    assert TOKEN not in log and TOKEN.split(":", 1)[1] not in log
