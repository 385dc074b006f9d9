"""Turn what athletes type into time zones and times of day, or say why not.

Time zones are always stored as IANA names so that daylight-saving changes
move reminders with the athlete's clock; a typed UTC offset maps to the
matching fixed `Etc/GMT±N` zone.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from functools import cache

from timezonefinder import TimezoneFinder

MAX_INPUT_LENGTH = 64
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")


class InvalidInput(ValueError):
    """What the athlete typed cannot be used; `value` is shown back to them."""

    def __init__(self, value: str) -> None:
        super().__init__(value)
        self.value = value[:MAX_INPUT_LENGTH]


@cache
def _zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in zoneinfo.available_timezones()}


def parse_timezone(text: str) -> str:
    """An IANA zone name for a typed name ("europe/helsinki") or offset ("+2", "UTC-05:00")."""
    cleaned = text.strip()
    if not cleaned or len(cleaned) > MAX_INPUT_LENGTH:
        raise InvalidInput(cleaned)
    if cleaned.casefold() in {"utc", "gmt", "z"}:
        return "UTC"
    name = _zones_by_folded_name().get(cleaned.replace(" ", "_").casefold())
    if name is not None:
        return name
    match = _OFFSET.match(cleaned)
    if match:
        sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
        if minutes == 0 and hours <= 14:
            if hours == 0:
                return "UTC"
            # POSIX-style Etc zones count the other way round: UTC+2 is Etc/GMT-2.
            return f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"
    raise InvalidInput(cleaned)


@cache
def _finder() -> TimezoneFinder:
    return TimezoneFinder()


def timezone_at(latitude: float, longitude: float) -> str:
    """The IANA zone of a shared location (blocking: call it in a thread).

    Raises `InvalidInput` for impossible coordinates or the open sea.
    """
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InvalidInput(f"{latitude:.2f}, {longitude:.2f}")
    name = _finder().timezone_at(lat=latitude, lng=longitude)
    if name is None or name not in zoneinfo.available_timezones():
        raise InvalidInput(f"{latitude:.2f}, {longitude:.2f}")
    return str(name)


def parse_time_of_day(text: str) -> dt.time:
    """A time of day from "7:30", "07:30" or "07.30"; anything else is refused."""
    cleaned = text.strip()
    match = _TIME.match(cleaned) if len(cleaned) <= MAX_INPUT_LENGTH else None
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise InvalidInput(cleaned)


def format_time_of_day(value: dt.time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"
