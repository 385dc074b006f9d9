"""What every parser produces: timed samples of one recorded activity.

Parsers keep cadence exactly as the file has it (`cadence_raw`); turning it
into steps per minute is the analysis' job, because in GPX and TCX the unit is
only known from the range of the values.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, fields
from enum import StrEnum
from itertools import repeat
from typing import Literal

from coaching.cadence.sports import Sport, sport_of

SourceFormat = Literal["fit", "gpx", "tcx"]
EARTH_RADIUS_M = 6_371_008.8


class CadenceUnit(StrEnum):
    STRIDES = "strides"
    """Strides (one foot) per minute: FIT always, Garmin's GPX and TCX exports."""
    STEPS = "steps"
    """Steps (both feet) per minute: the 170–180 of the method."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One recorded point; any field but the time may be missing."""

    time: dt.datetime
    """Aware, UTC."""
    cadence_raw: float | None = None
    distance_m: float | None = None
    """Cumulative distance from the start of the recording."""
    speed_mps: float | None = None


def samples_of(
    times: Sequence[dt.datetime],
    cadences: Sequence[float | None],
    distances: Sequence[float | None],
    speeds: Sequence[float | None],
) -> list[Sample]:
    """`Sample(time, cadence_raw, distance_m, speed_mps)` of each row of these columns.

    The same objects as the constructor's, made another way: a frozen dataclass' `__init__`
    sets each field through `object.__setattr__`, about 1.3 µs a sample, most of a second
    on the 700,000 records of a 10 MB file. Here the objects are allocated, then each
    field's slot filled, a column at a time, at C speed.

    Meanwhile the cyclic garbage collector is paused: every few hundred new objects it
    runs, and as the samples pile up it walks all of them again, about ten times over
    for that file (0.45 s). A sample refers to a time and numbers only, so it is never part
    of a cycle; the collector looks at them once, afterwards.
    """
    columns = (times, cadences, distances, speeds)
    count = len(times)
    if any(len(column) != count for column in columns):
        raise ValueError("columns of different lengths")
    collecting = gc.isenabled()
    gc.disable()
    try:
        made = list(map(object.__new__, repeat(Sample, count)))
        for setter, column in zip(_SLOT_SETTERS, columns, strict=True):
            deque(map(setter, made, column), maxlen=0)
    finally:
        if collecting:
            gc.enable()
    return made


_SLOT_SETTERS = tuple(getattr(Sample, each.name).__set__ for each in fields(Sample))
"""Each field's slot, written directly (frozen is enforced by `Sample.__setattr__` only)."""


@dataclass(frozen=True, slots=True)
class ParsedRun:
    """A file's samples (sorted by time) and what the file says about itself."""

    source: SourceFormat
    sport: str | None
    samples: tuple[Sample, ...]
    cadence_unit: CadenceUnit | None
    """The unit when the format defines it (FIT); None when it must be inferred."""
    partial: bool = False
    """The file ended early or failed its final checksum: these are its complete records."""
    clock_known: bool = True
    """False when the watch kept time only since power-on and nothing in the file dates it."""


def sport_kind(sport: str | None) -> Literal["running", "other", "unknown"]:
    """Whether a sport label from a file is a run, clearly something else, or unknown."""
    named = sport_of(sport)
    if named is None:
        return "unknown"
    return "running" if named is Sport.RUNNING else "other"


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS84 positions."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def as_utc(value: dt.datetime) -> dt.datetime:
    """Aware UTC; a naive time from a file is taken as UTC (GPX and TCX mandate it)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def positive(value: float | None) -> float | None:
    """The value if it is a real, positive number; None for 0, negatives, NaN, inf."""
    if value is None or not math.isfinite(value) or value <= 0:
        return None
    return value


def finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return value
