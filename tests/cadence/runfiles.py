"""Run files generated for the tests: FIT through an encoder library, GPX and TCX as XML.

A run is planned as segments (run at a speed and cadence, pause, stand still);
`RunPlan.truth()` gives the figures an analysis must find, computed straight
from the plan (each running second at its cadence and speed), not from a file.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from fit_tool.fit_file_builder import FitFileBuilder  # type: ignore[import-untyped]
from fit_tool.profile.messages.event_message import EventMessage  # type: ignore[import-untyped]
from fit_tool.profile.messages.file_id_message import FileIdMessage  # type: ignore[import-untyped]
from fit_tool.profile.messages.record_message import RecordMessage  # type: ignore[import-untyped]
from fit_tool.profile.messages.session_message import SessionMessage  # type: ignore[import-untyped]
from fit_tool.profile.profile_type import Event, EventType, FileType, Manufacturer, Sport  # type: ignore[import-untyped]

EARTH_RADIUS_M = 6_371_008.8
START_LAT, START_LON = 60.17, 24.94
CadenceFn = Callable[[int], float]


@dataclass(frozen=True)
class Point:
    """One recorded sample: seconds from the start, steps/min truth (None: no cadence)."""

    offset_s: int
    distance_m: float
    speed_mps: float
    cadence_spm: float | None


@dataclass(frozen=True)
class Truth:
    duration_s: float
    distance_m: float
    avg_cadence_spm: float
    share_in_target: float
    band_cadences: list[float]
    band_paces_s_per_km: list[float]


@dataclass
class RunPlan:
    """A run being planned; `run`, `pause`, `stand` append segments, chaining."""

    start: dt.datetime
    points: list[Point] = field(default_factory=list)
    running_seconds: list[tuple[float, float]] = field(default_factory=list)
    """(speed m/s, steps/min) for each second of running."""
    running_segments: list[tuple[float, list[float]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.points.append(Point(0, 0.0, 0.0, None))

    @property
    def _last(self) -> Point:
        return self.points[-1]

    def run(self, seconds: int, speed: float, cadence: float | CadenceFn | None) -> RunPlan:
        last = self._last
        values: list[float] = []
        for k in range(1, seconds + 1):
            spm = cadence(k) if callable(cadence) else cadence
            self.points.append(Point(last.offset_s + k, last.distance_m + speed * k, speed, spm))
            if spm is not None:
                self.running_seconds.append((speed, spm))
                values.append(spm)
        self.running_segments.append((speed, values))
        return self

    def pause(self, seconds: int) -> RunPlan:
        """Auto-pause: nothing is recorded, then one point where the run resumes."""
        last = self._last
        self.points.append(Point(last.offset_s + seconds, last.distance_m, 0.0, None))
        return self

    def stand(self, seconds: int) -> RunPlan:
        """Standing at a crossing with the watch still recording: no speed, no cadence."""
        last = self._last
        for k in range(1, seconds + 1):
            self.points.append(Point(last.offset_s + k, last.distance_m, 0.0, None))
        return self

    def time(self, point: Point) -> dt.datetime:
        return self.start + dt.timedelta(seconds=point.offset_s)

    def truth(self) -> Truth:
        seconds = len(self.running_seconds)
        cadences = [c for _, c in self.running_seconds]
        return Truth(
            duration_s=float(seconds),
            distance_m=sum(speed for speed, _ in self.running_seconds),
            avg_cadence_spm=statistics.fmean(cadences),
            share_in_target=sum(1 for c in cadences if 170 <= c <= 180) / seconds,
            band_cadences=[statistics.fmean(v) for _, v in sorted(self.running_segments)],
            band_paces_s_per_km=[1000 / s for s, _ in sorted(self.running_segments)],
        )


def standard_run(start: dt.datetime) -> RunPlan:
    """Thirty-odd minutes: easy, faster, fastest; an auto-pause and a stop at lights.

    Cadence rises with pace; odd steps/min values (e.g. 171) need FIT's half strides.
    """
    return (
        RunPlan(start)
        .run(600, 2.8, lambda k: 163.0 if k % 2 else 165.0)
        .pause(300)
        .run(600, 3.3, lambda k: 171.0 if k % 3 else 184.0)
        .stand(60)
        .run(600, 3.9, lambda k: 178.0 if k % 2 else 176.0)
    )


# ---------------------------------------------------------------- FIT


def _ms(moment: dt.datetime) -> int:
    return round(moment.timestamp() * 1000)


def fit_bytes(
    plan: RunPlan,
    sport: Sport = Sport.RUNNING,
    *,
    with_cadence: bool = True,
    legs: list[tuple[Sport, int, int]] | None = None,
) -> bytes:
    """An activity FIT file: file_id, timer events, records, one session per leg."""
    builder = FitFileBuilder(auto_define=True, min_string_size=50)
    file_id = FileIdMessage()
    file_id.type = FileType.ACTIVITY
    file_id.manufacturer = Manufacturer.DEVELOPMENT.value
    file_id.product = 0
    file_id.serial_number = 0x12345678
    file_id.time_created = _ms(plan.start)
    builder.add(file_id)
    start = EventMessage()
    start.event = Event.TIMER
    start.event_type = EventType.START
    start.timestamp = _ms(plan.start)
    builder.add(start)
    for point in plan.points:
        record = RecordMessage()
        record.timestamp = _ms(plan.time(point))
        record.distance = point.distance_m
        record.speed = point.speed_mps
        if with_cadence and point.cadence_spm is not None:
            strides = point.cadence_spm / 2
            record.cadence = math.floor(strides)
            record.fractional_cadence = strides - math.floor(strides)
        builder.add(record)
    end = plan.time(plan.points[-1])
    stop = EventMessage()
    stop.event = Event.TIMER
    stop.event_type = EventType.STOP_ALL
    stop.timestamp = _ms(end)
    builder.add(stop)
    for leg_sport, first, last in legs or [(sport, 0, plan.points[-1].offset_s)]:
        session = SessionMessage()
        session.sport = leg_sport
        session.start_time = _ms(plan.start + dt.timedelta(seconds=first))
        session.timestamp = _ms(plan.start + dt.timedelta(seconds=last))
        builder.add(session)
    data: bytes = builder.build().to_bytes()
    return data


# ---------------------------------------------------------------- GPX


def _lat(distance_m: float) -> float:
    """Run due north: along a meridian, haversine distance is exactly R × Δφ."""
    return START_LAT + math.degrees(distance_m / EARTH_RADIUS_M)


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _cadence_value(spm: float, unit: str) -> str:
    value = spm / 2 if unit == "strides" else spm
    return f"{value:g}"


def gpx_bytes(
    plan: RunPlan,
    *,
    unit: str = "strides",
    activity_type: str | None = "running",
    with_cadence: bool = True,
) -> bytes:
    """GPX 1.1 with Garmin's TrackPointExtension v1 (`gpxtpx:cad`)."""
    points = []
    for point in plan.points:
        extension = ""
        if with_cadence and point.cadence_spm is not None:
            cad = _cadence_value(point.cadence_spm, unit)
            extension = (
                "<extensions><gpxtpx:TrackPointExtension>"
                f"<gpxtpx:cad>{cad}</gpxtpx:cad>"
                "</gpxtpx:TrackPointExtension></extensions>"
            )
        points.append(
            f'<trkpt lat="{_lat(point.distance_m):.9f}" lon="{START_LON:.6f}">'
            f"<ele>12.0</ele><time>{_iso(plan.time(point))}</time>{extension}</trkpt>"
        )
    kind = f"<type>{escape(activity_type)}</type>" if activity_type else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="hipcoach tests" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"<metadata><time>{_iso(plan.start)}</time></metadata>"
        f"<trk><name>Morning run</name>{kind}<trkseg>{''.join(points)}</trkseg></trk></gpx>"
    ).encode()


# ---------------------------------------------------------------- TCX


def tcx_bytes(
    plan: RunPlan,
    *,
    unit: str = "strides",
    sport: str = "Running",
    with_cadence: bool = True,
) -> bytes:
    """TCX v2 with ActivityExtension v2 (`ns3:TPX/ns3:RunCadence`), as Garmin Connect exports."""
    points = []
    for point in plan.points:
        extension = ""
        if with_cadence and point.cadence_spm is not None:
            cad = _cadence_value(point.cadence_spm, unit)
            extension = (
                f"<Extensions><ns3:TPX><ns3:Speed>{point.speed_mps}</ns3:Speed>"
                f"<ns3:RunCadence>{cad}</ns3:RunCadence></ns3:TPX></Extensions>"
            )
        points.append(
            f"<Trackpoint><Time>{_iso(plan.time(point))}</Time>"
            f"<Position><LatitudeDegrees>{_lat(point.distance_m):.9f}</LatitudeDegrees>"
            f"<LongitudeDegrees>{START_LON}</LongitudeDegrees></Position>"
            f"<DistanceMeters>{point.distance_m:.3f}</DistanceMeters>{extension}</Trackpoint>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<TrainingCenterDatabase "
        'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
        'xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2">'
        f'<Activities><Activity Sport="{escape(sport)}"><Id>{_iso(plan.start)}</Id>'
        f'<Lap StartTime="{_iso(plan.start)}"><Track>{"".join(points)}</Track></Lap>'
        "</Activity></Activities></TrainingCenterDatabase>"
    ).encode()
