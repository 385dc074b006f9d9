"""Turn what athletes type into time zones and times of day, or say why not.

Time zones are always stored as IANA names so that daylight-saving changes
move reminders with the athlete's clock. People type cities, though, in any
case and often in Finnish ("helsinki", "New York", "Tukholma"), so a city
resolves to its zone; a typed UTC offset maps to the matching fixed `Etc/GMT±N`
zone, which is shown back as "UTC+2" (POSIX counts `Etc/GMT-2` the other way
round, which nobody should have to read) with a note that a city would follow
daylight saving time and an offset does not.

Times come as people write them: 7:30, 07.30, 7.30am, 7:30 pm, 19.30, klo 7.30.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zoneinfo
from functools import cache

from timezonefinder import TimezoneFinder

MAX_INPUT_LENGTH = 64
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_FIXED = re.compile(r"^Etc/GMT([+-])(\d{1,2})$")
_TIME = re.compile(
    r"^(?:klo\s*|kello\s*|at\s+)?(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$",
    re.IGNORECASE,
)

CITY_NAMES: dict[str, str] = {
    # Finnish names of cities whose zone name is spelled otherwise.
    "tukholma": "Europe/Stockholm",
    "lontoo": "Europe/London",
    "pariisi": "Europe/Paris",
    "berliini": "Europe/Berlin",
    "kööpenhamina": "Europe/Copenhagen",
    "tallinna": "Europe/Tallinn",
    "riika": "Europe/Riga",
    "moskova": "Europe/Moscow",
    "pietari": "Europe/Moscow",
    "rooma": "Europe/Rome",
    "lissabon": "Europe/Lisbon",
    "ateena": "Europe/Athens",
    "wien": "Europe/Vienna",
    "varsova": "Europe/Warsaw",
    "bryssel": "Europe/Brussels",
    "geneve": "Europe/Zurich",
    "tokio": "Asia/Tokyo",
    "peking": "Asia/Shanghai",
    "hongkong": "Asia/Hong_Kong",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "meksiko": "America/Mexico_City",
    "kapkaupunki": "Africa/Johannesburg",
    "kanariansaaret": "Atlantic/Canary",
    "teneriffa": "Atlantic/Canary",
    "gran canaria": "Atlantic/Canary",
    "mallorca": "Europe/Madrid",
    "kreeta": "Europe/Athens",
    # Finnish and Swedish towns runners live in (their zone is named after the capital).
    "espoo": "Europe/Helsinki",
    "vantaa": "Europe/Helsinki",
    "tampere": "Europe/Helsinki",
    "turku": "Europe/Helsinki",
    "oulu": "Europe/Helsinki",
    "jyväskylä": "Europe/Helsinki",
    "kuopio": "Europe/Helsinki",
    "lahti": "Europe/Helsinki",
    "pori": "Europe/Helsinki",
    "joensuu": "Europe/Helsinki",
    "rovaniemi": "Europe/Helsinki",
    "vaasa": "Europe/Helsinki",
    "göteborg": "Europe/Stockholm",
    "gothenburg": "Europe/Stockholm",
    "malmö": "Europe/Stockholm",
    "uppsala": "Europe/Stockholm",
    "bergen": "Europe/Oslo",
    "trondheim": "Europe/Oslo",
    # English names of big cities that are not a zone of their own.
    "beijing": "Asia/Shanghai",
    "mumbai": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "san diego": "America/Los_Angeles",
    "boston": "America/New_York",
    "washington": "America/New_York",
    "miami": "America/New_York",
    "atlanta": "America/New_York",
    "philadelphia": "America/New_York",
    "houston": "America/Chicago",
    "dallas": "America/Chicago",
    "austin": "America/Chicago",
    "munich": "Europe/Berlin",
    "münchen": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "barcelona": "Europe/Madrid",
    "milan": "Europe/Rome",
    "milano": "Europe/Rome",
    "geneva": "Europe/Zurich",
    "manchester": "Europe/London",
    "edinburgh": "Europe/London",
}
"""Names that are not the last part of an IANA zone, folded (lower case, no accents)."""


class InvalidInput(ValueError):
    """What the athlete typed cannot be used; `value` is shown back to them."""

    def __init__(self, value: str) -> None:
        super().__init__(value)
        self.value = value[:MAX_INPUT_LENGTH]


def _fold(text: str) -> str:
    """Lower case, accents off, single spaces: "  Jyväskylä " and "jyvaskyla" meet."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace("_", " ").split())


@cache
def _zones_by_folded_name() -> dict[str, str]:
    """Every IANA name, and every city part of one ("new york"), by its folded form.

    Where two zones share a city name the one in a region people mean wins
    ("America/Los_Angeles" never clashes, but `Etc` and legacy names are left out).
    """
    names: dict[str, str] = {}
    cities: dict[str, str] = {}
    for name in sorted(zoneinfo.available_timezones()):
        names[_fold(name)] = name
        region, _, city = name.rpartition("/")
        if not region or region.startswith(("Etc", "SystemV", "US", "Canada", "Brazil", "Chile")):
            continue
        cities.setdefault(_fold(city), name)
    found = {**cities, **{_fold(k): v for k, v in CITY_NAMES.items()}}
    found.update(names)
    return found


def parse_timezone(text: str) -> str:
    """An IANA zone for a typed name ("europe/helsinki"), city ("Tukholma") or offset ("+2")."""
    cleaned = text.strip()
    if not cleaned or len(cleaned) > MAX_INPUT_LENGTH:
        raise InvalidInput(cleaned)
    if cleaned.casefold() in {"utc", "gmt", "z"}:
        return "UTC"
    name = _zones_by_folded_name().get(_fold(cleaned))
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


def is_fixed_offset(zone: str | None) -> bool:
    """A zone that never changes its clock: a typed offset (or UTC), not a place."""
    return zone is not None and (zone == "UTC" or _FIXED.match(zone) is not None)


def display_zone(zone: str | None) -> str:
    """The zone as a person reads it: "Europe/Helsinki", "UTC+2" (never "Etc/GMT-2")."""
    if not zone:
        return "UTC"
    match = _FIXED.match(zone)
    if match is None:
        return zone
    sign = "+" if match.group(1) == "-" else "-"
    return f"UTC{sign}{int(match.group(2))}"


def local_now(zone: str | None, now: dt.datetime) -> str:
    """The time it is in `zone` at `now`, as HH:MM (a confirmation the athlete can check)."""
    try:
        tz: dt.tzinfo = zoneinfo.ZoneInfo(zone) if zone else dt.UTC
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = dt.UTC
    return f"{now.astimezone(tz):%H:%M}"


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
    """A time of day as people type it: "7:30", "07.30", "7.30am", "7:30 pm", "19.30", "7pm".

    An hour alone needs am/pm ("7" could be morning or evening); 12am is midnight.
    """
    cleaned = text.strip()
    match = _TIME.match(cleaned) if len(cleaned) <= MAX_INPUT_LENGTH else None
    if match:
        hour, minutes, half = int(match.group(1)), match.group(2), match.group(3)
        minute = int(minutes) if minutes is not None else 0
        if half is not None:
            if not 1 <= hour <= 12:
                raise InvalidInput(cleaned)
            hour = hour % 12 + (12 if half.lower().startswith("p") else 0)
        elif minutes is None:
            raise InvalidInput(cleaned)
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise InvalidInput(cleaned)


def format_time_of_day(value: dt.time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"
