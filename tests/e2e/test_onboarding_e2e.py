"""`hipcoach run` as a real process against the fake Bot API: onboarding survives kill -9."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from coaching.db import Database
from coaching.models import Athlete
from fakeapi import FakeBotApi, FakeUser
from tests.databases import PostgresDatabases, run_sync
from tests.e2e.harness import BotProcess


def read_athlete(database_url: str, athlete_id: int) -> Athlete | None:
    async def load() -> Athlete | None:
        db = Database(database_url)
        try:
            async with db.transaction() as session:
                return await session.get(Athlete, athlete_id)
        finally:
            await db.dispose()

    return run_sync(load)


def onboard(ann: FakeUser) -> None:
    ann.send_command("/start", payload="newsletter")
    ann.wait_message(contains="Hip Coach")
    ann.wait_message(contains="GDPR")
    ann.wait_callback_answered(ann.tap("Yes, I agree"))
    ann.wait_message(contains="time zone")
    ann.send_text("Mars/Olympus_Mons")
    ann.wait_message(contains="Mars/Olympus_Mons")
    ann.wait_callback_answered(ann.tap("Europe/Helsinki"))
    ann.wait_message(contains="days")


@pytest.fixture
def bot(
    api: FakeBotApi, tmp_path: Path, postgres: PostgresDatabases | None
) -> Iterator[BotProcess]:
    """The bot on its embedded default SQLite, or on PostgreSQL (migrated first) in that run."""
    url = None if postgres is None else postgres.create()
    process = BotProcess(api, tmp_path / "data", database_url=url)
    yield process
    if process.process is not None and process.process.poll() is None:
        process.kill()
    if postgres is not None and url is not None:
        postgres.drop(url)


def test_onboarding_survives_kill_and_restart(api: FakeBotApi, bot: BotProcess) -> None:
    bot.start()
    ann = FakeUser(api, 1001, first_name="Ann")
    onboard(ann)
    ann.tap("Tue")
    ann.wait_message(predicate=lambda e: "✅" in str(e.reply_markup))
    ann.tap("Thu")
    ann.wait_message(predicate=lambda e: str(e.reply_markup).count("✅") == 2)
    ann.tap("Done")
    ann.wait_message(contains="time")
    ann.send_text("25:99")
    ann.wait_message(contains="25:99")

    bot.kill()
    saved = read_athlete(bot.database_url, 1001)
    assert saved is not None
    assert saved.consent_at is not None
    assert saved.timezone == "Europe/Helsinki"
    assert saved.run_days == [1, 3]
    assert saved.run_time is None
    assert saved.source == "newsletter"
    assert saved.onboarding_step == "time"

    bot.start()
    ann.send_text("7:15")
    ann.wait_message(contains="triathlon")
    ann.tap("Yes")
    ann.wait_message(contains="/selftest")
    assert bot.terminate() == 0

    done = read_athlete(bot.database_url, 1001)
    assert done is not None
    assert done.run_time == dt.time(7, 15)
    assert done.triathlete is True
    assert done.onboarding_step is None and done.onboarded_at is not None
    assert "token" not in bot.log().lower() or "AAAAAAAAAAAAAAAAAAAA" not in bot.log()
    assert "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" not in bot.log()
