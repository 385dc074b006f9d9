"""Weekly tips spread over the hour after the chosen time: stable, even, DST-correct."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select

from coaching.db import Database
from coaching.outbox import Delivery, Kind
from coaching.reminders.models import ReminderSettings
from scheduler import planner
from scheduler.recurrence import TIP_SPREAD_MINUTES, next_weekly, tip_offset
from tests.scheduler.conftest import MON, SUN, add_athlete

UTC = dt.UTC
HEL = "Europe/Helsinki"
NYC = "America/New_York"
FRI_NOON = dt.datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # before Helsinki's change on the 29th


def test_the_offset_is_whole_minutes_within_the_hour_and_the_same_every_time() -> None:
    for athlete_id in (1, 2, 5101, 123_456_789, 7_999_999_999):
        offset = tip_offset(athlete_id)
        assert offset == tip_offset(athlete_id)
        assert dt.timedelta(0) <= offset < dt.timedelta(minutes=TIP_SPREAD_MINUTES)
        assert offset.total_seconds() % 60 == 0


def test_a_pinned_offset_does_not_change_between_releases() -> None:
    # Stored slots and next_tip_at values depend on it: a new hash would move everyone.
    assert [tip_offset(i).seconds // 60 for i in (1, 2, 3, 5101, 5102)] == [48, 41, 58, 6, 28]


def test_many_athletes_are_spread_evenly_over_the_hour() -> None:
    per_minute = Counter(tip_offset(i) for i in range(1, 60_001))
    assert len(per_minute) == TIP_SPREAD_MINUTES
    assert max(per_minute.values()) < 1.2 * 60_000 / TIP_SPREAD_MINUTES


def test_the_offset_is_on_the_local_clock_across_daylight_saving() -> None:
    offset = dt.timedelta(minutes=37)
    before = next_weekly(dt.datetime(2026, 3, 20, tzinfo=UTC), MON, dt.time(8), HEL, offset)
    after = next_weekly(before, MON, dt.time(8), HEL, offset)
    assert before == dt.datetime(2026, 3, 23, 6, 37, tzinfo=UTC)  # 08:37 EET
    assert after == dt.datetime(2026, 3, 30, 5, 37, tzinfo=UTC)  # 08:37 EEST


def test_an_offset_into_a_spring_forward_gap_moves_on_like_the_clock() -> None:
    # Sunday 8 March 2026 in New York: 02:00 → 03:00. 01:40 + 35 minutes = 02:15 does
    # not exist: it is 03:15 EDT, as for a time chosen inside the gap.
    offset = dt.timedelta(minutes=35)
    instant = next_weekly(dt.datetime(2026, 3, 7, tzinfo=UTC), SUN, dt.time(1, 40), NYC, offset)
    assert instant == dt.datetime(2026, 3, 8, 7, 15, tzinfo=UTC)


def test_an_offset_past_midnight_carries_into_the_next_day() -> None:
    offset = dt.timedelta(minutes=45)
    instant = next_weekly(dt.datetime(2026, 3, 20, tzinfo=UTC), SUN, dt.time(23, 30), HEL, offset)
    assert instant == dt.datetime(2026, 3, 22, 22, 15, tzinfo=UTC)  # Monday 00:15 EET
    assert next_weekly(instant, SUN, dt.time(23, 30), HEL, offset) == dt.datetime(
        2026,
        3,
        29,
        21,
        15,
        tzinfo=UTC,  # Monday 00:15 EEST, a week on
    )


async def settings_of(db: Database, athlete_id: int) -> ReminderSettings:
    async with db.transaction() as session:
        found = await session.get(ReminderSettings, athlete_id)
        assert found is not None
        return found


async def test_each_athletes_tip_comes_at_the_chosen_time_plus_their_offset(db: Database) -> None:
    monday_8 = dt.datetime(2026, 3, 23, 6, 0, tzinfo=UTC)
    for athlete_id in (1, 2, 3):
        await add_athlete(db, athlete_id, FRI_NOON)
        due = (await settings_of(db, athlete_id)).next_tip_at
        assert due == monday_8 + tip_offset(athlete_id)


async def test_one_minutes_pass_plans_only_the_tips_of_that_minute(db: Database) -> None:
    monday_8 = dt.datetime(2026, 3, 23, 6, 0, tzinfo=UTC)
    ids = list(range(1, 41))
    for athlete_id in ids:
        await add_athlete(db, athlete_id, FRI_NOON)
    planned_by_minute: dict[int, set[int]] = {}
    for minute in range(TIP_SPREAD_MINUTES + 1):
        now = monday_8 + dt.timedelta(minutes=minute, seconds=30)
        await planner.plan(db, now)
        async with db.transaction() as session:
            found = await session.scalars(select(Delivery).where(Delivery.kind == Kind.TIP))
            seen = {row.athlete_id for row in found if row.athlete_id is not None}
        planned_by_minute[minute] = seen - set().union(*planned_by_minute.values())
    for minute, athletes in planned_by_minute.items():
        assert all(tip_offset(a) == dt.timedelta(minutes=minute) for a in athletes)
    assert set().union(*planned_by_minute.values()) == set(ids)
    async with db.transaction() as session:
        rows = list(await session.scalars(select(Delivery).where(Delivery.kind == Kind.TIP)))
    assert all(row.due_at == monday_8 + tip_offset(row.athlete_id or 0) for row in rows)
    assert len(rows) == len(ids)  # one each: a pass a minute never plans a tip twice
    for athlete_id in ids:  # and the next is a week on, same offset, summer time
        expected = dt.datetime(2026, 3, 30, 5, 0, tzinfo=UTC) + tip_offset(athlete_id)
        assert (await settings_of(db, athlete_id)).next_tip_at == expected
