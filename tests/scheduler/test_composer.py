"""Messages from the real knowledge base: weekly tips are remembered and do not repeat."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from coaching.db import Database
from coaching.models import Athlete, SelftestResult
from coaching.outbox import Delivery, Kind
from coaching.reminders.models import TipSent
from coaching.scoring import SKIPPED, assess, score
from knowledge import load_knowledge
from knowledge.render import render_tip
from knowledge.schema import SelfTestStep
from scheduler import dispatcher, planner
from scheduler.messages import Composer
from scheduler.recurrence import tip_offset
from scheduler.tips import select_tip
from tests.scheduler.conftest import add_athlete
from tests.scheduler.fakes import FakeSender

UTC = dt.UTC
FRI = dt.datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
TIP_MON = dt.datetime(2026, 3, 23, 6, 0, tzinfo=UTC) + tip_offset(1)  # 08:00 + its offset


def best(step: SelfTestStep) -> str:
    """The answer that scores least (and is not "not sure")."""
    sure = [o for o in step.options if not o.unsure]
    return min(sure, key=lambda o: sum(o.scores.values())).id


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


async def test_the_weekly_tip_follows_the_latest_test_with_enough_answers(db: Database) -> None:
    """An all-skipped retest says nothing: the tip is chosen from the test before it,
    the one /plan is built on, not from a test where nothing was judged."""
    kb = load_knowledge()
    hip_drop = {step.id: best(step) for step in kb.selftest.steps}
    hip_drop.update(pelvis_dip="clearly", knees_inward="clearly")
    skipped = dict.fromkeys(hip_drop, SKIPPED)
    await add_athlete(db, 1, FRI)
    first_sent = FRI - dt.timedelta(weeks=1)
    async with db.transaction() as session:
        for weeks, answers in ((3, hip_drop), (1, skipped)):
            when = FRI - dt.timedelta(weeks=weeks)
            scores = score(kb.selftest, answers)
            session.add(
                SelftestResult(
                    athlete_id=1,
                    created_at=when,
                    content_version=kb.version,
                    answers=answers,
                    scores=dict(scores),
                    findings=assess(kb, answers).levels,
                    retest_due_at=when + dt.timedelta(weeks=4),
                )
            )
        session.add(TipSent(athlete_id=1, tip_id=kb.meta.first_tip, sent_at=first_sent))
    expected = select_tip(
        kb.tips,
        assess(kb, hip_drop).levels,
        False,
        {kb.meta.first_tip or "": first_sent},
        answers=hip_drop,
        first_tip=kb.meta.first_tip,
    )
    assert expected is not None and "hip_drop" in expected.faults
    async with db.transaction() as session:
        athlete = await session.get(Athlete, 1)
        tip = Delivery(id=1, kind=Kind.TIP, due_at=FRI, payload={})
        message = await Composer(kb).compose(session, tip, athlete, FRI)
    assert message is not None
    assert render_tip(kb, expected, "en") in message.text
    assert tip.payload == {"tip_id": expected.id}
