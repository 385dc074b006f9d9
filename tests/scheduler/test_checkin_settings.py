"""The strength check-in's day and time, and which check-in still takes answers."""

from __future__ import annotations

import datetime as dt

import pytest

from coaching import reminders
from coaching.db import Database
from coaching.models import Athlete
from coaching.outbox import Delivery, Kind, Status
from coaching.reminders import Draft
from coaching.timeparse import InvalidInput
from scheduler.planner import reschedule
from tests.scheduler.conftest import SAT, add_athlete

NOW = dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC)  # Wednesday 12:00 in Helsinki


def athlete() -> Athlete:
    return Athlete(
        id=1,
        language="en",
        timezone="Europe/Helsinki",
        run_days_mask=0,
        active=True,
        onboarded_at=NOW,
    )


def test_checkin_day_and_typed_time_move_the_next_checkin() -> None:
    ann, settings = athlete(), reminders.new_settings(1, NOW)
    reschedule(settings, ann, NOW)
    assert settings.next_checkin_at == dt.datetime(2026, 3, 8, 16, 0, tzinfo=dt.UTC)

    reminders.set_checkin_day(settings, SAT, NOW)
    reschedule(settings, ann, NOW)
    assert settings.next_checkin_at == dt.datetime(2026, 3, 7, 16, 0, tzinfo=dt.UTC)

    with pytest.raises(InvalidInput):
        reminders.apply_typed(settings, ann, Draft.CHECKIN_TIME, "25:99", NOW)
    assert settings.checkin_time == dt.time(18, 0)
    reminders.apply_typed(settings, ann, Draft.CHECKIN_TIME, "7.45", NOW)
    assert (settings.checkin_time, settings.tip_time) == (dt.time(7, 45), dt.time(8, 0))
    reschedule(settings, ann, NOW)
    assert settings.next_checkin_at == dt.datetime(2026, 3, 7, 5, 45, tzinfo=dt.UTC)


@pytest.mark.parametrize("day", [-1, 7, 99])
def test_checkin_day_out_of_range_changes_nothing(day: int) -> None:
    settings = reminders.new_settings(1, NOW)
    with pytest.raises(InvalidInput):
        reminders.set_checkin_day(settings, day, NOW)
    assert settings.checkin_weekday == 6


def _delivery(athlete_id: int, kind: str, due: dt.datetime, status: str) -> Delivery:
    return Delivery(
        athlete_id=athlete_id,
        kind=kind,
        slot=due.isoformat(),
        status=status,
        due_at=due,
        not_before=due,
        attempts=1,
        created_at=due,
    )


async def test_only_the_newest_checkin_sent_takes_answers(db: Database) -> None:
    await add_athlete(db, 1, NOW)
    await add_athlete(db, 2, NOW)
    week = dt.timedelta(weeks=1)
    async with db.transaction() as session:
        old = _delivery(1, Kind.CHECKIN, NOW, Status.SENT)
        current = _delivery(1, Kind.CHECKIN, NOW + week, Status.SENT)
        not_yet = _delivery(1, Kind.CHECKIN, NOW + 2 * week, Status.PENDING)
        tip = _delivery(1, Kind.TIP, NOW + 3 * week, Status.SENT)
        other = _delivery(2, Kind.CHECKIN, NOW + week, Status.SENT)
        session.add_all([old, current, not_yet, tip, other])
        await session.flush()
        assert await reminders.is_current_checkin(session, current, 1)
        assert not await reminders.is_current_checkin(session, old, 1)
        assert not await reminders.is_current_checkin(session, not_yet, 1)
        assert not await reminders.is_current_checkin(session, tip, 1)
        assert not await reminders.is_current_checkin(session, other, 1)
        assert await reminders.is_current_checkin(session, other, 2)
        # Once the next one is on its way, it is the one to answer.
        not_yet.status = Status.SENDING
        await session.flush()
        assert await reminders.is_current_checkin(session, not_yet, 1)
        assert not await reminders.is_current_checkin(session, current, 1)
