"""Reminder preferences and what athletes answer to reminders.

Pure rules (pause, toggles, lead time, the settings draft, check-in streaks and
feedback) work on the row objects alone and need no database; the few async
functions store answers (warm-up acknowledgements, check-ins, snoozes) inside
the caller's transaction. *When* things are due is `scheduler`'s business:
after changing preferences here, call `scheduler.planner.reschedule`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching import outbox
from coaching.models import Athlete
from coaching.outbox import Delivery, Kind, Status
from coaching.schedule_models import (
    DEFAULT_CHECKIN_TIME,
    DEFAULT_CHECKIN_WEEKDAY,
    DEFAULT_TIP_TIME,
    DEFAULT_TIP_WEEKDAY,
    DEFAULT_WARMUP_LEAD_MINUTES,
    Checkin,
    ReminderSettings,
    WarmupAck,
)
from coaching.timeparse import InvalidInput, parse_time_of_day, parse_timezone


class Toggle(StrEnum):
    """The kinds an athlete can switch on and off in /settings."""

    TIPS = "tip"
    WARMUPS = "warmup"
    CHECKINS = "checkin"
    RETESTS = "retest"


class Draft(StrEnum):
    """Typed input /settings is waiting for."""

    TIMEZONE = "tz"
    RUN_TIME = "run_time"
    TIP_TIME = "tip_time"
    CHECKIN_TIME = "ci_time"


DRAFT_LIFETIME = dt.timedelta(minutes=30)
LEAD_CHOICES = (15, 30, 45, 60, 90)
MIN_LEAD, MAX_LEAD = 5, 180
MAX_PAUSE_DAYS = 365
SNOOZE = dt.timedelta(minutes=15)
STRENGTH_GOAL = 2  # free-weight sessions a week
ACK_ANSWERS = ("done", "skip")

_TOGGLE_FIELDS = {
    Toggle.TIPS: "tips_enabled",
    Toggle.WARMUPS: "warmups_enabled",
    Toggle.CHECKINS: "checkins_enabled",
    Toggle.RETESTS: "retest_enabled",
}


class NotAllowed(Exception):
    """An answer to a reminder that is not this athlete's, or not of the right kind."""


def new_settings(athlete_id: int, now: dt.datetime) -> ReminderSettings:
    """Defaults: tips Monday 08:00, warm-ups 45 min before runs, check-in Sunday 18:00."""
    return ReminderSettings(
        athlete_id=athlete_id,
        tips_enabled=True,
        tip_weekday=DEFAULT_TIP_WEEKDAY,
        tip_time=DEFAULT_TIP_TIME,
        warmups_enabled=True,
        warmup_lead_minutes=DEFAULT_WARMUP_LEAD_MINUTES,
        checkins_enabled=True,
        checkin_weekday=DEFAULT_CHECKIN_WEEKDAY,
        checkin_time=DEFAULT_CHECKIN_TIME,
        retest_enabled=True,
        paused=False,
        computed_run_days_mask=0,
        updated_at=now,
    )


async def get_or_create_settings(
    session: AsyncSession, athlete_id: int, now: dt.datetime
) -> tuple[ReminderSettings, bool]:
    found = await session.get(ReminderSettings, athlete_id)
    if found is not None:
        return found, False
    settings = new_settings(athlete_id, now)
    session.add(settings)
    await session.flush()
    return settings, True


# --------------------------------------------------------------------- pause


def pause(settings: ReminderSettings, now: dt.datetime, days: int | None) -> None:
    """Pause everything for `days` days, or (None) until /resume."""
    if days is None:
        settings.paused, settings.paused_until = True, None
    else:
        if not 1 <= days <= MAX_PAUSE_DAYS:
            raise InvalidInput(str(days))
        settings.paused, settings.paused_until = False, now + dt.timedelta(days=days)
    settings.updated_at = now


def resume(settings: ReminderSettings, now: dt.datetime) -> None:
    settings.paused, settings.paused_until = False, None
    settings.updated_at = now


def is_paused(settings: ReminderSettings, at: dt.datetime) -> bool:
    """Whether something due at `at` falls inside a pause."""
    if settings.paused:
        return True
    return settings.paused_until is not None and at < settings.paused_until


def parse_pause_days(args: Iterable[str]) -> int | None:
    """`/pause` → None (until /resume), `/pause 7` → 7; anything else is `InvalidInput`."""
    words = list(args)
    if not words:
        return None
    text = words[0].strip().lower().removesuffix("d")
    if len(words) > 1 or not text.isdigit() or not 1 <= int(text) <= MAX_PAUSE_DAYS:
        raise InvalidInput(" ".join(words))
    return int(text)


# --------------------------------------------------------------------- preferences


def is_enabled(settings: ReminderSettings, toggle: Toggle) -> bool:
    return bool(getattr(settings, _TOGGLE_FIELDS[toggle]))


def toggle(settings: ReminderSettings, which: str, now: dt.datetime) -> bool:
    """Switch one kind on or off; returns the new state. Unknown names are `InvalidInput`."""
    try:
        kind = Toggle(which)
    except ValueError:
        raise InvalidInput(which) from None
    field = _TOGGLE_FIELDS[kind]
    value = not getattr(settings, field)
    setattr(settings, field, value)
    settings.updated_at = now
    return value


def set_lead(settings: ReminderSettings, minutes: int, now: dt.datetime) -> None:
    if not MIN_LEAD <= minutes <= MAX_LEAD:
        raise InvalidInput(str(minutes))
    settings.warmup_lead_minutes = minutes
    settings.updated_at = now


def set_tip_day(settings: ReminderSettings, weekday: int, now: dt.datetime) -> None:
    if not 0 <= weekday <= 6:
        raise InvalidInput(str(weekday))
    settings.tip_weekday = weekday
    settings.updated_at = now


def set_checkin_day(settings: ReminderSettings, weekday: int, now: dt.datetime) -> None:
    if not 0 <= weekday <= 6:
        raise InvalidInput(str(weekday))
    settings.checkin_weekday = weekday
    settings.updated_at = now


def toggle_run_day(athlete: Athlete, weekday: int) -> None:
    if not 0 <= weekday <= 6:
        raise InvalidInput(str(weekday))
    athlete.run_days_mask ^= 1 << weekday


def begin_draft(settings: ReminderSettings, draft: Draft, now: dt.datetime) -> None:
    """Wait for typed input for `draft` (stored, so any instance can take the answer)."""
    settings.draft, settings.draft_at = draft.value, now


def clear_draft(settings: ReminderSettings) -> None:
    settings.draft, settings.draft_at = None, None


def current_draft(settings: ReminderSettings, now: dt.datetime) -> Draft | None:
    """The typed input awaited, unless it was asked for too long ago."""
    if settings.draft is None or settings.draft_at is None:
        return None
    if now - settings.draft_at > DRAFT_LIFETIME:
        return None
    try:
        return Draft(settings.draft)
    except ValueError:
        return None


def apply_typed(
    settings: ReminderSettings, athlete: Athlete, draft: Draft, text: str, now: dt.datetime
) -> None:
    """Apply typed input for `draft`; `InvalidInput` leaves everything unchanged."""
    if draft is Draft.TIMEZONE:
        athlete.timezone = parse_timezone(text)
    elif draft is Draft.RUN_TIME:
        athlete.run_time = parse_time_of_day(text)
    elif draft is Draft.CHECKIN_TIME:
        settings.checkin_time = parse_time_of_day(text)
    else:
        settings.tip_time = parse_time_of_day(text)
    clear_draft(settings)
    settings.updated_at = now


# --------------------------------------------------------------------- answers


async def record_warmup_ack(
    session: AsyncSession, delivery: Delivery, athlete_id: int, answer: str, now: dt.datetime
) -> bool:
    """Store "done" or "skip" for a warm-up reminder; False if it was already answered."""
    if answer not in ACK_ANSWERS:
        raise InvalidInput(answer)
    if delivery.athlete_id != athlete_id or delivery.kind != Kind.WARMUP:
        raise NotAllowed
    existing = await session.scalar(select(WarmupAck).where(WarmupAck.delivery_id == delivery.id))
    if existing is not None:
        return False
    run_at = (delivery.payload or {}).get("run_at")
    session.add(
        WarmupAck(
            athlete_id=athlete_id,
            delivery_id=delivery.id,
            run_at=dt.datetime.fromisoformat(run_at) if isinstance(run_at, str) else None,
            answer=answer,
            answered_at=now,
        )
    )
    await session.flush()
    return True


def original_of(delivery: Delivery) -> int:
    """The reminder a (possibly snoozed) delivery stands for: buttons answer that one."""
    if delivery.kind == Kind.SNOOZE and delivery.ref_id is not None:
        return delivery.ref_id
    return delivery.id


async def snooze(
    session: AsyncSession, delivery: Delivery, athlete_id: int, now: dt.datetime
) -> Delivery:
    """A one-off repeat of `delivery` in 15 minutes; the recurring schedule is untouched.

    Snoozing the same message twice gives the same snooze (unique slot).
    """
    if delivery.athlete_id != athlete_id or delivery.kind not in (Kind.WARMUP, Kind.SNOOZE):
        raise NotAllowed
    slot = f"d{delivery.id}"
    due = now + SNOOZE
    await outbox.insert_one(
        session,
        outbox.planned(
            Kind.SNOOZE,
            slot,
            due,
            now,
            athlete_id=athlete_id,
            expires=due + dt.timedelta(minutes=30),
            payload=dict(delivery.payload or {}),
            ref_id=original_of(delivery),
        ),
    )
    snoozed = await session.scalar(
        select(Delivery).where(
            Delivery.athlete_id == athlete_id, Delivery.kind == Kind.SNOOZE, Delivery.slot == slot
        )
    )
    assert snoozed is not None
    return snoozed


async def latest_snoozable(
    session: AsyncSession, athlete_id: int, now: dt.datetime
) -> Delivery | None:
    """The warm-up reminder `/snooze` means: the newest one sent in the last two hours."""
    found = await session.scalars(
        select(Delivery)
        .where(
            Delivery.athlete_id == athlete_id,
            Delivery.kind.in_([Kind.WARMUP, Kind.SNOOZE]),
            Delivery.status == Status.SENT,
            Delivery.finished_at >= now - dt.timedelta(hours=2),
        )
        .order_by(Delivery.finished_at.desc())
        .limit(1)
    )
    return found.first()


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
