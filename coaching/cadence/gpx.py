"""GPX tracks with cadence in extensions (Garmin's `gpxtpx:cad`, or a plain `<cadence>`).

GPX has no sport field; the track's `<type>` is what exporters use ("running",
"cycling", Strava's "9"...). The cadence unit is not defined by the format.

Read in one streaming pass (`xmlsafe.read_xml`): `gpx/trk/trkseg/trkpt` with
its `lat` and `lon`, its first `<time>`, and in its first `<extensions>` the
first numeric cadence and speed at any depth, whatever their namespace.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from coaching.cadence.errors import Reason, RunFileError
from coaching.cadence.samples import ParsedRun, Sample, as_utc, haversine_m, positive
from coaching.cadence.xmlsafe import number, read_xml

CADENCE_TAGS = frozenset({"cad", "cadence", "runcadence"})
SPEED_TAGS = frozenset({"speed"})
TIME_PATTERN = re.compile(
    r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})[T ]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})"
    r"(\.[0-9]{1,15})?(Z|[-+−][0-9]{2}:?(?:[0-9]{2})?)?$"
)
"""ISO 8601 as GPX exporters write it; a naive time is UTC, as GPX mandates."""


def gpx_time(text: str | None) -> dt.datetime | None:
    """A point's time in UTC, or None when it is missing or not a time."""
    found = TIME_PATTERN.match(text or "")
    if found is None:
        return None
    fraction = (found.group(7) or ".")[1:7]
    zone: dt.tzinfo | None = None
    offset = found.group(8)
    if offset is not None and len(offset) >= 2:
        sign = -1 if offset[0] in "-−" else 1
        digits = offset[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + (int(digits[2:]) if digits[2:] else 0)
        try:
            zone = dt.timezone(sign * dt.timedelta(minutes=minutes))
        except ValueError:
            return None
    year, month, day, hour, minute, second = (int(found.group(i)) for i in range(1, 7))
    microsecond = int(fraction.ljust(6, "0")) if fraction else 0
    try:
        return as_utc(dt.datetime(year, month, day, hour, minute, second, microsecond, zone))
    except ValueError:
        return None


@dataclass(slots=True)
class _Point:
    latitude: float
    longitude: float
    time: dt.datetime | None = None
    time_seen: bool = False
    extensions_seen: bool = False
    cadence: float | None = None
    cadence_order: int = -1
    speed: float | None = None
    speed_order: int = -1


def _coordinate(attrs: Mapping[str, str], name: str) -> float:
    value = attrs.get(name)
    if value is None:
        raise RunFileError(Reason.CORRUPT, f"a track point without {name}")
    try:
        return float(value.strip())
    except ValueError as exc:  # the value is the athlete's data: not in the message
        raise RunFileError(Reason.CORRUPT, f"a track point's {name} is not a number") from exc


# What an open element is to the reader.
ROOT, TRACK, SEGMENT, POINT, TIME, TYPE, EXTENSIONS, IN_EXTENSIONS, OTHER = range(9)


class _GpxReader:
    """Track points of every track and segment in file order, and the first track type."""

    def __init__(self) -> None:
        self.open: list[tuple[int, int]] = []
        """(role, preorder number) of each open element."""
        self.points: list[tuple[dt.datetime, _Point]] = []
        self.point: _Point | None = None
        self.track_type_seen = False
        self.sport: str | None = None
        self.order = 0

    def start(self, name: str, attrs: Mapping[str, str]) -> None:
        self.order += 1
        parent = self.open[-1][0] if self.open else None
        role = OTHER
        if parent is None:
            if name.lower() != "gpx":
                raise RunFileError(Reason.CORRUPT, "the root element is not <gpx>")
            role = ROOT
        elif parent == ROOT:
            if name == "trk":
                role = TRACK
                self.track_type_seen = False
        elif parent == TRACK:
            if name == "trkseg":
                role = SEGMENT
            elif name == "type" and not self.track_type_seen:
                role = TYPE
                self.track_type_seen = True
        elif parent == SEGMENT:
            if name == "trkpt":
                role = POINT
                self.point = _Point(_coordinate(attrs, "lat"), _coordinate(attrs, "lon"))
        elif parent == POINT and self.point is not None:  # always set inside a trkpt
            if name == "time" and not self.point.time_seen:
                role = TIME
                self.point.time_seen = True
            elif name == "extensions" and not self.point.extensions_seen:
                role = EXTENSIONS
                self.point.extensions_seen = True
        elif parent in (EXTENSIONS, IN_EXTENSIONS):
            role = IN_EXTENSIONS
        self.open.append((role, self.order))

    def end(self, name: str, text: str | None) -> None:
        role, order = self.open.pop()
        point = self.point
        if role == TYPE:
            if self.sport is None and text:
                self.sport = text
        elif point is None:
            return
        elif role == TIME:
            point.time = gpx_time(text)
        elif role == IN_EXTENSIONS:
            # The first numeric value in document order wins, as when walking the tree.
            tag = name.lower()
            if tag in CADENCE_TAGS and (value := number(text)) is not None:
                if point.cadence is None or order < point.cadence_order:
                    point.cadence, point.cadence_order = value, order
            elif tag in SPEED_TAGS and (value := number(text)) is not None:
                if point.speed is None or order < point.speed_order:
                    point.speed, point.speed_order = value, order
        elif role == POINT:
            if point.time is not None:
                self.points.append((point.time, point))
            self.point = None


def parse_gpx(data: bytes) -> ParsedRun:
    """Timed track points of every track and segment, in time order."""
    reader = _GpxReader()
    read_xml(data, reader)
    samples: list[Sample] = []
    distance = 0.0
    previous: _Point | None = None
    for time, point in sorted(reader.points, key=lambda timed: timed[0]):
        if previous is not None:
            distance += haversine_m(
                previous.latitude, previous.longitude, point.latitude, point.longitude
            )
        previous = point
        samples.append(
            Sample(
                time=time,
                cadence_raw=positive(point.cadence),
                distance_m=distance,
                speed_mps=point.speed,
            )
        )
    if not samples:
        raise RunFileError(Reason.EMPTY, "no track points with a time")
    return ParsedRun("gpx", reader.sport, tuple(samples), None)
