"""When the next weekly tip, check-in or warm-up reminder falls, as a UTC instant.

Every occurrence is computed in the athlete's own IANA zone and only then
turned into UTC, so a Monday 08:00 tip stays at 08:00 on the athlete's clock
across daylight-saving changes. Wall times that do not exist (02:30 on a
spring-forward night) move forward by the length of the gap (03:30 in New
York), like the athlete's own clock does; wall times that happen twice
(01:30 on a fall-back night) are taken at their first occurrence, so a
reminder is sent once, not twice.

Weekly tips are spread over the hour after the time the athlete chose: each
athlete's tip comes `tip_offset(athlete_id)` later (0–59 minutes, the same
every week, derived from the id, not drawn at random). With the default Monday
08:00, a whole time zone's athletes would otherwise fall due in one minute, and
planning and sending would spike there; spread, each minute's planning pass
takes about a sixtieth of them. The offset is added on the local clock, so a
08:00 tip offset by 37 minutes comes at 08:37 local time all year.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = dt.UTC
_LOOKAHEAD_DAYS = 9  # a week plus both ends, enough for any weekly rule
TIP_SPREAD_MINUTES = 60
NO_OFFSET = dt.timedelta(0)


def zone(name: str | None) -> ZoneInfo:
    """The athlete's zone; an unset or unknown name falls back to UTC rather than failing."""
    if not name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def tip_offset(athlete_id: int) -> dt.timedelta:
    """How long after the chosen time this athlete's weekly tip comes: whole minutes,
    0 to 59, stable for the athlete (a hash of the id, the same on every instance
    and every run) and spread evenly over many athletes."""
    digest = hashlib.blake2b(athlete_id.to_bytes(8, "big", signed=True), digest_size=8).digest()
    return dt.timedelta(minutes=int.from_bytes(digest, "big") % TIP_SPREAD_MINUTES)


def local_instant(
    day: dt.date, at: dt.time, tz: ZoneInfo, offset: dt.timedelta = NO_OFFSET
) -> dt.datetime:
    """The UTC instant of wall time `at` (plus `offset` on the wall clock) on `day` in
    `tz` (gaps forward, repeats first)."""
    naive = dt.datetime.combine(day, at.replace(tzinfo=None, fold=0)) + offset
    # fold=0 in a gap uses the offset from before the jump: 02:30 EST = 03:30 EDT.
    return naive.replace(tzinfo=tz).astimezone(UTC)


def _local_date(instant: dt.datetime, tz: ZoneInfo) -> dt.date:
    return instant.astimezone(tz).date()


def next_weekly(
    after: dt.datetime,
    weekday: int,
    at: dt.time,
    tz_name: str | None,
    offset: dt.timedelta = NO_OFFSET,
) -> dt.datetime:
    """The first occurrence of `weekday` (Monday = 0) at `at` local time, `offset` later
    on the local clock (under a day; it may carry into the next day), strictly after `after`."""
    tz = zone(tz_name)
    start = _local_date(after, tz) - dt.timedelta(days=1)
    for days in range(_LOOKAHEAD_DAYS):
        day = start + dt.timedelta(days=days)
        if day.weekday() != weekday:
            continue
        instant = local_instant(day, at, tz, offset)
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
