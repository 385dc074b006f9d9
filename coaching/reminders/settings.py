"""An athlete's reminder preferences: which kinds, when, pauses, and typed answers.

Pure rules on the `ReminderSettings` row (and the athlete's run days and
time), so they need no database; `get_or_create_settings` reads one, and the
use cases at the end (`open_settings`, `change`, `type_value`) are what a
/settings tap or typed answer does as a whole. *When* things are due is
`scheduler`'s business, which `coaching` does not import: those use cases take
the `Reschedule` to run after every change (`scheduler.planner.reschedule`),
so a changed preference moves the next tip, warm-up and check-in at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from coaching.models import Athlete
from coaching.reminders.models import (
    DEFAULT_CHECKIN_TIME,
    DEFAULT_CHECKIN_WEEKDAY,
    DEFAULT_TIP_TIME,
    DEFAULT_TIP_WEEKDAY,
    DEFAULT_WARMUP_LEAD_MINUTES,
    ReminderSettings,
)
from coaching.timeparse import InvalidInput, parse_time_of_day, parse_timezone


class Toggle(StrEnum):
    """The kinds an athlete can switch on and off in /settings."""

    TIPS = "tip"
    WARMUPS = "warmup"
    CHECKINS = "checkin"
    RETESTS = "retest"


class Reschedule(Protocol):
    """Recompute every `next_*_at` from `now` (`scheduler.planner.reschedule`)."""

    def __call__(self, settings: ReminderSettings, athlete: Athlete, now: dt.datetime) -> None: ...


class Draft(StrEnum):
    """Typed input /settings can wait for (the step of its pending question, `coaching.pending`)."""

    TIMEZONE = "tz"
    RUN_TIME = "run_time"
    TIP_TIME = "tip_time"
    CHECKIN_TIME = "ci_time"


LEAD_CHOICES = (15, 30, 45, 60, 90)
MIN_LEAD, MAX_LEAD = 5, 180
MAX_PAUSE_DAYS = 365

_TOGGLE_FIELDS = {
    Toggle.TIPS: "tips_enabled",
    Toggle.WARMUPS: "warmups_enabled",
    Toggle.CHECKINS: "checkins_enabled",
    Toggle.RETESTS: "retest_enabled",
}


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
    settings.updated_at = now


# --------------------------------------------------------------------- use cases


async def open_settings(
    session: AsyncSession, athlete: Athlete, now: dt.datetime, reschedule: Reschedule
) -> ReminderSettings:
    """The athlete's settings; the first time, made with the defaults and scheduled."""
    settings, created = await get_or_create_settings(session, athlete.id, now)
    if created:
        reschedule(settings, athlete, now)
    return settings


def _clock(hhmm: str) -> dt.time:
    """A button's HHMM (its shape checked by the codec) as a time of day."""
    return parse_time_of_day(f"{hhmm[:2]}:{hhmm[2:]}")


def apply_button(
    athlete: Athlete, settings: ReminderSettings, what: str, value: str, now: dt.datetime
) -> None:
    """One /settings button (`set:<what>:<value>`); `InvalidInput` for a value refused.

    The codec has already checked each value's shape (days and minutes are ASCII
    digits, times are HHMM), so `int()` and the slicing cannot fail.
    """
    if what == "tog":
        toggle(settings, value, now)
    elif what == "day":
        toggle_run_day(athlete, int(value))
    elif what == "rt":
        athlete.run_time = _clock(value)
    elif what == "tt":
        settings.tip_time = _clock(value)
    elif what == "td":
        set_tip_day(settings, int(value), now)
    elif what == "ct":
        settings.checkin_time = _clock(value)
    elif what == "cd":
        set_checkin_day(settings, int(value), now)
    elif what == "lead":
        set_lead(settings, int(value), now)
    elif what == "tz":
        athlete.timezone = parse_timezone(value)
    else:
        raise InvalidInput(f"{what}:{value}")
    settings.updated_at = now


async def change(
    session: AsyncSession,
    athlete: Athlete,
    what: str,
    value: str,
    now: dt.datetime,
    reschedule: Reschedule,
) -> ReminderSettings:
    """Apply one /settings button and move every next reminder to match."""
    settings = await open_settings(session, athlete, now, reschedule)
    apply_button(athlete, settings, what, value, now)
    reschedule(settings, athlete, now)
    return settings


async def type_value(
    session: AsyncSession,
    athlete: Athlete,
    draft: Draft,
    text: str,
    now: dt.datetime,
    reschedule: Reschedule,
) -> ReminderSettings:
    """A typed time or time zone for /settings; `InvalidInput` changes nothing."""
    settings = await open_settings(session, athlete, now, reschedule)
    apply_typed(settings, athlete, draft, text, now)
    reschedule(settings, athlete, now)
    return settings
