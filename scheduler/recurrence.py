"""When the next weekly tip, check-in or warm-up reminder falls, as a UTC instant.

Every occurrence is computed in the athlete's own IANA zone and only then
turned into UTC, so a Monday 08:00 tip stays at 08:00 on the athlete's clock
across daylight-saving changes. Wall times that do not exist (02:30 on a
spring-forward night) move forward by the length of the gap (03:30 in New
York), like the athlete's own clock does; wall times that happen twice
(01:30 on a fall-back night) are taken at their first occurrence, so a
reminder is sent once, not twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = dt.UTC
_LOOKAHEAD_DAYS = 9  # a week plus both ends, enough for any weekly rule


def zone(name: str | None) -> ZoneInfo:
    """The athlete's zone; an unset or unknown name falls back to UTC rather than failing."""
    if not name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_instant(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant of wall time `at` on `day` in `tz` (gaps forward, repeats first)."""
    naive = dt.datetime.combine(day, at.replace(tzinfo=None, fold=0))
    # fold=0 in a gap uses the offset from before the jump: 02:30 EST = 03:30 EDT.
    return naive.replace(tzinfo=tz).astimezone(UTC)


def _local_date(instant: dt.datetime, tz: ZoneInfo) -> dt.date:
    return instant.astimezone(tz).date()


def next_weekly(after: dt.datetime, weekday: int, at: dt.time, tz_name: str | None) -> dt.datetime:
    """The first occurrence of `weekday` (Monday = 0) at `at` local time strictly after `after`."""
    tz = zone(tz_name)
    start = _local_date(after, tz) - dt.timedelta(days=1)
    for offset in range(_LOOKAHEAD_DAYS):
        day = start + dt.timedelta(days=offset)
        if day.weekday() != weekday:
            continue
        instant = local_instant(day, at, tz)
        if instant > after:
            return instant
    raise AssertionError("no weekly occurrence within nine days")  # pragma: no cover


@dataclass(frozen=True)
class RunReminder:
    """A warm-up reminder: when to send it, and when the run itself starts."""

    remind_at: dt.datetime
    run_at: dt.datetime


def next_run_reminder(
    after: dt.datetime,
    run_days_mask: int,
    run_time: dt.time | None,
    lead: dt.timedelta,
    tz_name: str | None,
) -> RunReminder | None:
    """The first run whose reminder (`lead` before it) falls strictly after `after`.

    None when the athlete has no run days or no run time.
    """
    if not run_days_mask & 0x7F or run_time is None:
        return None
    tz = zone(tz_name)
    start = _local_date(after, tz) - dt.timedelta(days=1)
    days_ahead = _LOOKAHEAD_DAYS + lead.days + 1
    for offset in range(days_ahead):
        day = start + dt.timedelta(days=offset)
        if not run_days_mask & (1 << day.weekday()):
            continue
        run_at = local_instant(day, run_time, tz)
        if run_at - lead > after:
            return RunReminder(remind_at=run_at - lead, run_at=run_at)
    raise AssertionError("no run within the lookahead")  # pragma: no cover


def week_start(instant: dt.datetime, tz_name: str | None) -> dt.date:
    """The Monday of the athlete's local week containing `instant`."""
    day = _local_date(instant, zone(tz_name))
    return day - dt.timedelta(days=day.weekday())


def slot_key(instant: dt.datetime) -> str:
    """How an occurrence is named in `delivery.slot`: its UTC instant, to the second."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
