"""Strength levels: bodyweight → dumbbell or kettlebell → barbell, one step at a time.

Each strength exercise in the content has the three levels; the athlete's own
is stored per exercise (`ExerciseLevel`), the default being the dumbbell or
kettlebell, the free weight the method starts from. After `WEEKS_TO_PROGRESS`
weeks in a row of two logged strength sessions, with no level change in that
time, the check-in offers the next level; "too hard" offers the easier one,
any time. Moving changes every strength exercise that can move, by one step.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching import reminders
from coaching.progression_models import ExerciseLevel
from knowledge.schema import PROGRESSION_LEVELS, KnowledgeBase, ProgressionLevel

DEFAULT_LEVEL: ProgressionLevel = "dumbbell"
WEEKS_TO_PROGRESS = 3
Direction = Literal["up", "down"]


def strength_exercises(kb: KnowledgeBase) -> list[str]:
    """The exercises that have levels, in content order."""
    return [e.id for e in kb.exercises.values() if e.levels is not None]


def step(level: ProgressionLevel, direction: Direction) -> ProgressionLevel:
    """One level up or down, staying within bodyweight … barbell."""
    index = PROGRESSION_LEVELS.index(level) + (1 if direction == "up" else -1)
    return PROGRESSION_LEVELS[max(0, min(index, len(PROGRESSION_LEVELS) - 1))]


async def _rows(session: AsyncSession, athlete_id: int) -> dict[str, ExerciseLevel]:
    found = await session.scalars(
        select(ExerciseLevel).where(ExerciseLevel.athlete_id == athlete_id)
    )
    return {row.exercise_id: row for row in found}


def _level(row: ExerciseLevel | None) -> ProgressionLevel:
    if row is None or not 0 <= row.level < len(PROGRESSION_LEVELS):
        return DEFAULT_LEVEL
    return PROGRESSION_LEVELS[row.level]


async def levels(
    session: AsyncSession, kb: KnowledgeBase, athlete_id: int
) -> dict[str, ProgressionLevel]:
    """The athlete's level of every strength exercise."""
    rows = await _rows(session, athlete_id)
    return {exercise: _level(rows.get(exercise)) for exercise in strength_exercises(kb)}


async def move(
    session: AsyncSession,
    kb: KnowledgeBase,
    athlete_id: int,
    direction: Direction,
    now: dt.datetime,
) -> dict[str, ProgressionLevel]:
    """Move every strength exercise one level; the exercises that moved, at their new level."""
    rows = await _rows(session, athlete_id)
    moved: dict[str, ProgressionLevel] = {}
    for exercise in strength_exercises(kb):
        row = rows.get(exercise)
        current = _level(row)
        new = step(current, direction)
        if new == current:
            continue
        if row is None:
            row = ExerciseLevel(athlete_id=athlete_id, exercise_id=exercise)
            session.add(row)
        row.level = PROGRESSION_LEVELS.index(new)
        row.changed_at = now
        moved[exercise] = new
    await session.flush()
    return moved


async def ready_for_next(
    session: AsyncSession, kb: KnowledgeBase, athlete_id: int, week: dt.date, now: dt.datetime
) -> bool:
    """Whether to offer the next level in the check-in about `week`.

    Yes after `WEEKS_TO_PROGRESS` weeks in a row of two sessions ending with
    `week` or the week before it (this week's answer may not be in yet), if no
    level changed in that time and some exercise can still move up.
    """
    streak = max(
        await reminders.current_streak(session, athlete_id, week),
        await reminders.current_streak(session, athlete_id, week - dt.timedelta(weeks=1)),
    )
    if streak < WEEKS_TO_PROGRESS:
        return False
    rows = await _rows(session, athlete_id)
    since = now - dt.timedelta(weeks=WEEKS_TO_PROGRESS)
    if any(row.changed_at > since for row in rows.values()):
        return False
    current = await levels(session, kb, athlete_id)
    return any(step(level, "up") != level for level in current.values())
