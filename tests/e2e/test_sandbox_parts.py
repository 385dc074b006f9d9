"""The sandbox's own pieces: a clock that survives a restart, files saved under names that open."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from bot.sandbox.chat import SandboxChat, saved_name
from bot.sandbox.clock import ShiftableClock
from bot.sandbox.people import People
from coaching.db import Database
from coaching.reminders.models import ReminderSettings
from fakeapi import FakeBotApi
from tests.athletes import add_athlete

ANN = 5


def test_the_clock_goes_on_where_it_was_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    clock = ShiftableClock(path)
    clock.forward("2d")
    again = ShiftableClock(path)
    assert again.offset == dt.timedelta(days=2)
    assert again() - dt.timedelta(days=2) <= dt.datetime.now(dt.UTC)
    path.write_text("not json")
    assert ShiftableClock(path).offset == dt.timedelta(), "unreadable: real time"


def test_a_chart_is_saved_as_png_and_a_named_file_keeps_its_name() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 8
    assert saved_name(7, None, "photo", png) == "7-photo.png"
    assert saved_name(8, None, "photo", b"\xff\xd8\xff\xe0") == "8-photo.jpg"
    assert saved_name(9, "../../etc/group-3.csv", "document", b"a,b") == "9-group-3.csv"
    assert saved_name(10, None, "document", b"??") == "10-document.bin"


async def test_next_goes_to_what_is_still_to_come_not_to_a_moment_ff_passed(
    api: FakeBotApi, database_url: str, tmp_path: Path
) -> None:
    """`!ff 2h` on a run day can pass the warm-up reminder; `!next` still finds the tip."""
    db = Database(database_url)
    try:
        clock = ShiftableClock()
        now = clock()
        await add_athlete(db, ANN, now, checkins=True)
        tip = now + dt.timedelta(days=2)
        async with db.transaction() as session:
            settings = await session.get(ReminderSettings, ANN)
            assert settings is not None
            settings.next_warmup_at = now - dt.timedelta(minutes=55)  # left to the planner
            settings.next_tip_at = tip
            settings.next_checkin_at = None
        people = People(api, db, tmp_path / "people.json", "en")
        people.add(ANN, "Ann", started=True)
        people.current_id = ANN
        out = io.StringIO()
        await SandboxChat(api, people, clock, db, tmp_path, out)._next([])
        assert clock() >= tip
        assert "at your next message" in out.getvalue()
    finally:
        await db.dispose()
