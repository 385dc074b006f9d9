"""Strength levels: "too hard" steps down, three weeks of two sessions offer the next level."""

from __future__ import annotations

import datetime as dt

from coaching import progression, reminders
from coaching.db import Database
from knowledge import KnowledgeBase
from tests.athletes import add_athlete

MONDAY = dt.date(2026, 3, 2)
NOW = dt.datetime(2026, 3, 8, 18, tzinfo=dt.UTC)


def test_every_strength_exercise_has_the_three_levels(kb: KnowledgeBase) -> None:
    strength = progression.strength_exercises(kb)
    assert {
        "goblet_squat",
        "deadlift",
        "single_leg_deadlift",
        "reverse_lunge",
        "hip_thrust",
    } == set(strength)
    assert progression.step("bodyweight", "down") == "bodyweight"
    assert progression.step("dumbbell", "up") == "barbell"
    assert progression.step("barbell", "up") == "barbell"


async def log_weeks(db: Database, athlete_id: int, weeks: list[dt.date], sessions: int) -> None:
    async with db.transaction() as session:
        for week in weeks:
            await reminders.record_checkin(session, athlete_id, week, sessions, None, NOW)


async def test_too_hard_moves_every_exercise_one_level_easier(
    db: Database, kb: KnowledgeBase
) -> None:
    await add_athlete(db, 1, NOW)
    async with db.transaction() as session:
        assert set((await progression.levels(session, kb, 1)).values()) == {"dumbbell"}
        moved = await progression.move(session, kb, 1, "down", NOW)
        assert set(moved.values()) == {"bodyweight"}
        assert await progression.move(session, kb, 1, "down", NOW) == {}  # no easier level
    async with db.transaction() as session:
        assert set((await progression.levels(session, kb, 1)).values()) == {"bodyweight"}


async def test_next_level_after_three_weeks_of_two_sessions(
    db: Database, kb: KnowledgeBase
) -> None:
    await add_athlete(db, 1, NOW)
    this_week = MONDAY + dt.timedelta(weeks=3)
    await log_weeks(db, 1, [MONDAY, MONDAY + dt.timedelta(weeks=1)], 2)
    async with db.transaction() as session:
        assert not await progression.ready_for_next(session, kb, 1, this_week, NOW)
    await log_weeks(db, 1, [MONDAY + dt.timedelta(weeks=2)], 2)
    async with db.transaction() as session:
        assert await progression.ready_for_next(session, kb, 1, this_week, NOW)
        moved = await progression.move(session, kb, 1, "up", NOW)
        assert set(moved.values()) == {"barbell"}
    async with db.transaction() as session:  # not again right after a change
        assert not await progression.ready_for_next(session, kb, 1, this_week, NOW)


async def test_a_week_with_one_session_breaks_the_run(db: Database, kb: KnowledgeBase) -> None:
    await add_athlete(db, 1, NOW)
    await log_weeks(db, 1, [MONDAY, MONDAY + dt.timedelta(weeks=2)], 2)
    await log_weeks(db, 1, [MONDAY + dt.timedelta(weeks=1)], 1)
    async with db.transaction() as session:
        this_week = MONDAY + dt.timedelta(weeks=3)
        assert not await progression.ready_for_next(session, kb, 1, this_week, NOW)
