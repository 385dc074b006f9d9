"""When a coach wants a broadcast sent, read from what they typed, or exactly why not.

Coaches type times the way they say them: "tomorrow 7:00", "Mon 18:00",
"30.11. 07:00", "2026-12-01 07:00", "huomenna klo 7", "maanantaina 18.00",
"1. joulukuuta 7:00". The reading is done by `dateparser` (English and Finnish
weekday and month names, relative words, day-first numeric dates); this
module adds only what a scheduler needs on top of it:

- a time of day alone means its next occurrence ("7:00" at 09:19 is tomorrow);
- a date without a year, or a weekday, means the nearest such moment still
  ahead, unless the coach evidently meant one that has just passed
  ("30.11. 07:00" at 09:19 on 30.11. was two hours ago, not next year);
- the time is the coach's own local time (`zone`), daylight saving included;
- every refusal says what is wrong in the coach's terms (`WhenError`):
  "31 February doesn't exist", "that was 2 hours ago; it is now 09:19 in
  Europe/Helsinki", "that is 96 days ahead; the limit is 60".

    when = parse_when("tomorrow 7:00", now, "Europe/Helsinki")   # aware UTC
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateparser.date import DateDataParser

MAX_INPUT = 64
LANGUAGES = ("en", "fi")
PREFERENCES = ("current_period", "future", "past")
"""dateparser's three readings of an incomplete date; the nearest sensible one wins."""

_DAY_MONTH = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(?![\d])")
_KLO = re.compile(r"\b(?:klo|kello)\s*(\d{1,2})(?:[:.](\d{2}))?\b", re.IGNORECASE)
_DOTTED_TIME = re.compile(r"(?:(?<=\s)|^)(\d{1,2})\.(\d{2})$")
_CLOCK_ONLY = re.compile(
    r"^(?:at\s+)?\d{1,2}(?::\d{2}\s*(?:[ap]\.?m\.?)?|\s*[ap]\.?m\.?)$", re.IGNORECASE
)
_NUMBER = re.compile(r"(?<![\d:])\d{1,2}(?![\d:])")


class WhenError(ValueError):
    """What the coach typed is not a usable time; the subclass says why."""


class Unreadable(WhenError):
    """Not recognisable as a date and time at all."""


class NoTimeOfDay(WhenError):
    """A day without a time: a broadcast needs both."""


@dataclass
class NoSuchDate(WhenError):
    """A day the month does not have (31 February, 31 April)."""

    day: int
    month: int
    year: int | None


@dataclass
class InThePast(WhenError):
    """A moment that has passed; `now` is the coach's local time, to say so."""

    ago: dt.timedelta
    now: dt.datetime
    zone: str


@dataclass
class TooFarAhead(WhenError):
    """Further ahead than a broadcast may be scheduled."""

    ahead: dt.timedelta
    limit: dt.timedelta


@dataclass
class SkippedByClock(WhenError):
    """A local time that never happens: the clocks jump over it (daylight saving)."""

    local: dt.datetime
    zone: str


def zone_of(name: str | None) -> ZoneInfo:
    """The named zone, UTC when there is none or it is unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _normalised(text: str) -> str:
    """Forms dateparser misreads, in forms it reads: Finnish "klo 7" and a dotted time
    "7.30" as "7:00"/"7:30"; a day and month "1.12." (which it takes for 01:12) as "1/12"."""
    cleaned = " ".join(text.split())
    cleaned = _DAY_MONTH.sub(lambda m: f"{m[1]}/{m[2]}", cleaned)
    cleaned = _KLO.sub(lambda m: f"{int(m[1])}:{m[2] or '00'}", cleaned)
    match = _DOTTED_TIME.search(cleaned)
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        cleaned = cleaned[: match.start()] + f"{match[1]}:{match[2]}"
    return cleaned


def _parser(base: dt.datetime, preference: str) -> DateDataParser:
    settings: dict[str, Any] = {
        "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": preference,
        "DATE_ORDER": "DMY",
        "RETURN_TIME_AS_PERIOD": True,
    }
    return DateDataParser(languages=list(LANGUAGES), settings=settings)


def _read(text: str, base: dt.datetime, preference: str) -> tuple[dt.datetime | None, str | None]:
    found = _parser(base, preference).get_date_data(text)
    return found.date_obj, found.period


def _candidates(text: str, base: dt.datetime) -> tuple[list[dt.datetime], bool]:
    """Every reading of `text` (naive local times), and whether any had a time of day."""
    readings: list[dt.datetime] = []
    timed = False
    for preference in PREFERENCES:
        moment, period = _read(text, base, preference)
        if moment is None:
            continue
        if period == "time":
            timed = True
            if moment not in readings:
                readings.append(moment.replace(microsecond=0))
    return readings, timed


def _impossible_day(text: str, base: dt.datetime) -> NoSuchDate | None:
    """31.2. and "31 February" read as nothing at all: find the day that made them so.

    Each number in turn is replaced by 1; if the text then reads as the 1st of a
    month, that number was the day, and the month is what dateparser made of the rest.
    """
    for match in _NUMBER.finditer(text):
        day = int(match[0])
        if day < 29:
            continue
        trial = text[: match.start()] + "1" + text[match.end() :]
        moment, _ = _read(trial, base, "current_period")
        if moment is None or moment.day != 1:
            continue
        explicit_year = re.search(r"\b\d{4}\b", text) is not None
        year = moment.year if explicit_year else None
        days_in_month = calendar.monthrange(year or 2001, moment.month)[1]  # 2001: no 29 Feb
        if day > days_in_month and not (year is None and moment.month == 2 and day == 29):
            return NoSuchDate(day, moment.month, year)
    return None


def _aware(local: dt.datetime, tz: ZoneInfo, zone_name: str) -> dt.datetime:
    """`local` in `tz` as UTC; a time the clocks skip is refused rather than shifted."""
    aware = local.replace(tzinfo=tz)
    back = aware.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None)
    if back != local:
        raise SkippedByClock(local, zone_name)
    return aware.astimezone(dt.UTC)


def _choose(
    instants: Sequence[dt.datetime], now: dt.datetime, limit: dt.timedelta
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(the nearest reading within the window ahead, the latest one that has passed)."""
    ahead = sorted(i for i in instants if now < i <= now + limit)
    passed = sorted(i for i in instants if i <= now)
    return (ahead[0] if ahead else None), (passed[-1] if passed else None)


def parse_when(
    text: str,
    now: dt.datetime,
    zone: str | None,
    limit: dt.timedelta = dt.timedelta(days=60),
) -> dt.datetime:
    """The instant (aware, UTC) a coach means by `text` in their zone, within `limit` ahead.

    Raises a `WhenError` subclass that says what is wrong.
    """
    cleaned = _normalised(text.strip())
    if not cleaned or len(cleaned) > MAX_INPUT:
        raise Unreadable(text[:MAX_INPUT])
    tz = zone_of(zone)
    zone_name = zone or "UTC"
    local_now = now.astimezone(tz).replace(tzinfo=None, microsecond=0)
    readings, timed = _candidates(cleaned, local_now)
    if not readings:
        if timed is False and _read(cleaned, local_now, "current_period")[0] is not None:
            raise NoTimeOfDay(text[:MAX_INPUT])
        impossible = _impossible_day(cleaned, local_now)
        if impossible is not None:
            raise impossible
        raise Unreadable(text[:MAX_INPUT])
    if _CLOCK_ONLY.match(cleaned):
        today = readings[0].replace(year=local_now.year, month=local_now.month, day=local_now.day)
        readings = [today if today > local_now else today + dt.timedelta(days=1)]
    instants = [_aware(local, tz, zone_name) for local in readings]
    nearest, passed = _choose(instants, now, limit)
    if nearest is not None:
        return nearest
    if passed is not None and now - passed <= limit:
        raise InThePast(now - passed, now.astimezone(tz), zone_name)
    ahead = min((i for i in instants if i > now), default=None)
    if ahead is None:
        assert passed is not None
        raise InThePast(now - passed, now.astimezone(tz), zone_name)
    raise TooFarAhead(ahead - now, limit)


def rounded(span: dt.timedelta) -> tuple[int, str]:
    """A span as the coach would say it: (2, "hours"), (15, "minutes"), (3, "days")."""
    seconds = int(span.total_seconds())
    if seconds < 3600:
        return max(1, round(seconds / 60)), "minutes"
    if seconds < 2 * 86400:
        return round(seconds / 3600), "hours"
    return round(seconds / 86400), "days"
