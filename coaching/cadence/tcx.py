"""Training Center XML: `Activity Sport="Running"`, trackpoints with `TPX/RunCadence`.

Garmin writes RunCadence in strides per minute; other exporters write steps,
and some put running cadence in the plain `<Cadence>` (meant for bike rpm).

Read in one streaming pass (`xmlsafe.read_xml`). A trackpoint counts once,
whatever encloses it, when it is inside an activity: inside a running one if
the file has any, otherwise inside any. Of a trackpoint we take its first
`<Time>`, `<DistanceMeters>` and `<Cadence>`, and in its first `<Extensions>`
the first numeric `RunCadence` and `Speed` at any depth. Names are matched
without namespace or case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from coaching.cadence.errors import Reason, RunFileError
from coaching.cadence.samples import ParsedRun, Sample, as_utc, positive, sport_kind
from coaching.cadence.xmlsafe import number, read_xml

POINT_FIELDS = ("time", "distancemeters", "cadence", "extensions")
"""A trackpoint's direct children we read; the first of each name counts."""
EXTENSION_VALUES = ("runcadence", "speed")


def _time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        return as_utc(dt.datetime.fromisoformat(text.strip()))
    except ValueError:
        return None


@dataclass(slots=True)
class _Trackpoint:
    depth: int
    in_running: bool
    fields: dict[str, str | None]
    """Text of the first direct child of each name in POINT_FIELDS that was seen."""
    extensions_depth: int | None = None
    """Depth of the first `<Extensions>` child while it is open."""
    values: dict[str, tuple[int, float]] | None = None
    """runcadence/speed → (preorder number, value) of the first numeric one found."""

    def sample(self) -> Sample | None:
        time = _time(self.fields.get("time"))
        if time is None:
            return None
        values = self.values or {}
        run_cadence = values["runcadence"][1] if "runcadence" in values else None
        if run_cadence is None and "cadence" in self.fields:
            run_cadence = number(self.fields["cadence"])
        return Sample(
            time=time,
            cadence_raw=positive(run_cadence),
            distance_m=number(self.fields.get("distancemeters")),
            speed_mps=values["speed"][1] if "speed" in values else None,
        )


# What an open element is to the reader.
OTHER, ACTIVITY, RUNNING_ACTIVITY, TRACKPOINT, FIELD, EXTENSION_VALUE = range(6)


class _TcxReader:
    def __init__(self) -> None:
        self.open: list[tuple[int, int]] = []
        """(role, preorder number) of each open element."""
        self.order = 0
        self.activities = 0
        self.running = 0
        """How many activities, and running ones, enclose the current element."""
        self.any_running = False
        self.running_sport: str | None = None
        self.first_sport: str | None = None
        self.points: list[_Trackpoint] = []
        """Open trackpoints, innermost last."""
        self.samples: list[tuple[bool, Sample]] = []
        """(inside a running activity, sample) in file order."""

    def start(self, name: str, attrs: Mapping[str, str]) -> None:
        self.order += 1
        depth = len(self.open) + 1
        tag = name.lower()
        role = OTHER
        if depth == 1 and tag != "trainingcenterdatabase":
            raise RunFileError(Reason.CORRUPT, "the root element is not <TrainingCenterDatabase>")
        if tag == "activity":
            role = ACTIVITY
            sport = attrs.get("Sport")
            self.activities += 1
            if self.first_sport is None:
                self.first_sport = sport
            if sport_kind(sport) == "running":
                role = RUNNING_ACTIVITY
                self.running += 1
                if not self.any_running:
                    self.any_running, self.running_sport = True, sport
        elif tag == "trackpoint" and self.activities:
            role = TRACKPOINT
            self.points.append(_Trackpoint(depth, self.running > 0, {}))
        elif self.points:
            point = self.points[-1]
            if depth == point.depth + 1 and tag in POINT_FIELDS and tag not in point.fields:
                role = FIELD
                point.fields[tag] = None
                if tag == "extensions":
                    point.extensions_depth = depth
            elif tag in EXTENSION_VALUES:
                role = EXTENSION_VALUE
        self.open.append((role, self.order))

    def end(self, name: str, text: str | None) -> None:
        depth = len(self.open)
        role, order = self.open.pop()
        tag = name.lower()
        if role in (ACTIVITY, RUNNING_ACTIVITY):
            self.activities -= 1
            self.running -= role == RUNNING_ACTIVITY
        elif role == TRACKPOINT:
            point = self.points.pop()
            sample = point.sample()
            if sample is not None:
                self.samples.append((point.in_running, sample))
        elif role == FIELD:
            point = self.points[-1]
            point.fields[tag] = text
            if tag == "extensions":
                point.extensions_depth = None
        elif role == EXTENSION_VALUE and (value := number(text)) is not None:
            # Every open trackpoint whose first <Extensions> holds this element; first wins.
            for point in self.points:
                if point.extensions_depth is not None and point.extensions_depth < depth:
                    values = point.values if point.values is not None else {}
                    if tag not in values or order < values[tag][0]:
                        values[tag] = (order, value)
                    point.values = values


def parse_tcx(data: bytes) -> ParsedRun:
    """Trackpoints of the file's running activities (or of all, if none says its sport)."""
    reader = _TcxReader()
    read_xml(data, reader)
    running = reader.any_running
    samples = [sample for in_running, sample in reader.samples if in_running or not running]
    if not samples:
        raise RunFileError(Reason.EMPTY, "no trackpoints with a time")
    samples.sort(key=lambda s: s.time)
    sport = reader.running_sport if running else reader.first_sport
    return ParsedRun("tcx", sport, tuple(samples), None)
