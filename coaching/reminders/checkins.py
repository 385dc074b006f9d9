"""The weekly strength check-in: storing the answer, the streak, and what to say back.

The goal is two free-weight sessions a week; the streak counts consecutive
weeks that reached it. Only the newest check-in an athlete was sent takes
answers, so an old message cannot rewrite a week they were already told about.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.outbox import Delivery, Kind, Status
from coaching.reminders.models import Checkin
from coaching.timeparse import InvalidInput

STRENGTH_GOAL = 2  # free-weight sessions a week


def strength_streak(weeks_met: Iterable[dt.date], this_week: dt.date) -> int:
    """Consecutive weeks, ending with `this_week`, that reached the two-session goal."""
    met = set(weeks_met)
    streak, week = 0, this_week
    while week in met:
        streak += 1
        week -= dt.timedelta(weeks=1)
    return streak


def checkin_feedback_key(sessions: int, streak: int) -> str:
    """Which UI text answers a check-in: honest about the goal of two a week."""
    if sessions >= STRENGTH_GOAL:
        return "checkin_reply_goal_streak" if streak > 1 else "checkin_reply_goal"
    if sessions == 1:
        return "checkin_reply_one"
    return "checkin_reply_zero"


async def is_current_checkin(session: AsyncSession, delivery: Delivery, athlete_id: int) -> bool:
    """Whether `delivery` is the newest check-in this athlete was sent: only that one takes answers.

    An older check-in's buttons are stale: answering them would rewrite a past
    week, and with it the streak the athlete was already told about. One that
    is still pending, expired or was skipped has not reached them, so the one
    before stays current; one being sent may already be on their screen.
    """
    if delivery.athlete_id != athlete_id or delivery.kind != Kind.CHECKIN:
        return False
    newest = await session.scalar(
        select(Delivery.id)
        .where(
            Delivery.athlete_id == athlete_id,
            Delivery.kind == Kind.CHECKIN,
            Delivery.status.in_([Status.SENDING, Status.SENT, Status.UNKNOWN]),
        )
        .order_by(Delivery.due_at.desc(), Delivery.id.desc())
        .limit(1)
    )
    return newest == delivery.id


async def record_checkin(
    session: AsyncSession,
    athlete_id: int,
    week: dt.date,
    sessions: int,
    delivery_id: int | None,
    now: dt.datetime,
) -> Checkin:
    """Store (or correct) this week's strength sessions: 0, 1 or 2 (two or more)."""
    if sessions not in (0, 1, 2):
        raise InvalidInput(str(sessions))
    row = await session.scalar(
        select(Checkin).where(Checkin.athlete_id == athlete_id, Checkin.week_start == week)
    )
    if row is None:
        row = Checkin(athlete_id=athlete_id, week_start=week, delivery_id=delivery_id)
        session.add(row)
    row.strength_sessions = sessions
    row.answered_at = now
    await session.flush()
    return row


async def record_swim(
    session: AsyncSession, athlete_id: int, week: dt.date, swam: bool, now: dt.datetime
) -> Checkin | None:
    row = await session.scalar(
        select(Checkin).where(Checkin.athlete_id == athlete_id, Checkin.week_start == week)
    )
    if row is None:
        return None
    row.swam = swam
    row.answered_at = now
    return row


async def current_streak(session: AsyncSession, athlete_id: int, week: dt.date) -> int:
    """The streak of goal weeks up to `week`, reading at most a year back."""
    found = await session.scalars(
        select(Checkin.week_start).where(
            Checkin.athlete_id == athlete_id,
            Checkin.strength_sessions >= STRENGTH_GOAL,
            Checkin.week_start <= week,
            Checkin.week_start > week - dt.timedelta(weeks=53),
        )
    )
    return strength_streak(found, week)
