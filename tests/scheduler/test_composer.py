"""Messages from the real knowledge base: weekly tips are remembered and do not repeat."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from coaching.db import Database
from coaching.models import Athlete
from coaching.outbox import Delivery
from coaching.reminders.models import TipSent
from knowledge import load_knowledge
from scheduler import dispatcher, planner
from scheduler.messages import Composer
from scheduler.recurrence import tip_offset
from tests.scheduler.conftest import add_athlete
from tests.scheduler.fakes import FakeSender

UTC = dt.UTC
FRI = dt.datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
TIP_MON = dt.datetime(2026, 3, 23, 6, 0, tzinfo=UTC) + tip_offset(1)  # 08:00 + its offset


async def test_weekly_tips_do_not_repeat(db: Database) -> None:
    kb = load_knowledge()
    await add_athlete(db, 1, FRI, run_days=(0,), run_time=dt.time(7, 0))
    sender = FakeSender()
    composer = Composer(kb)
    for week in range(4):
        now = TIP_MON + dt.timedelta(weeks=week, hours=week % 2)  # DST moves it an hour
        await planner.plan(db, now)
        await dispatcher.dispatch(db, sender, composer, now)
    tips = [m for m in sender.sent if "Tip of the week" in m.text]
    assert len(tips) == 4
    assert len({m.text for m in tips}) == 4
    async with db.transaction() as session:
        assert len(list(await session.scalars(select(TipSent)))) == 4
    warmups = [m for m in sender.sent if m.buttons]
    assert warmups == []  # the Monday run reminders were long expired at these times


async def test_the_warmup_reminder_counts_its_minutes_in_the_plural(db: Database) -> None:
    """A reminder sent a minute before the run says "1 minute", in English and Finnish."""
    kb = load_knowledge()
    composer = Composer(kb)
    run = dt.datetime(2026, 3, 20, 5, 30, tzinfo=UTC)  # 07:30 in Helsinki
    said: dict[tuple[str, int], str] = {}
    async with db.transaction() as session:
        for lang in ("en", "fi"):
            athlete = Athlete(id=1, first_name="Ann", language=lang, timezone="Europe/Helsinki")
            for minutes in (1, 30):
                reminder = Delivery(
                    id=1, kind="warmup", due_at=run, payload={"run_at": run.isoformat()}
                )
                now = run - dt.timedelta(minutes=minutes)
                message = await composer.compose(session, reminder, athlete, now)
                assert message is not None
                said[lang, minutes] = message.text
    assert "<b>07:30</b>, in about 1 minute. Time" in said["en", 1]
    assert "<b>07:30</b>, in about 30 minutes. Time" in said["en", 30]
    assert "noin 1 minuutin päästä" in said["fi", 1]
    assert "noin 30 minuutin päästä" in said["fi", 30]
