"""Files shaped the way real watches and export services write them.

- `real(name)`: a file of the collection in `real_files/` (see its README),
  and `reference(...)`: the figures computed for it without our readers.
- `tcx_export` / `gpx_export`: real recorded samples written out as the
  services export them: Garmin's strides or other services' steps, with or
  without a sport label, with a byte-order mark or whitespace before `<?xml`
  (Strava, Polar Flow) or a namespace prefix never declared (converters).
- `suunto_fit`, `relative_fit`: FIT files with what the previous reader
  stumbled on: two records a second (one of them empty), and timestamps
  counted from power-on (older watches).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from fit_tool.fit_file_builder import FitFileBuilder  # type: ignore[import-untyped]
from fit_tool.profile.messages.file_id_message import FileIdMessage  # type: ignore[import-untyped]
from fit_tool.profile.messages.record_message import RecordMessage  # type: ignore[import-untyped]
from fit_tool.profile.messages.session_message import SessionMessage  # type: ignore[import-untyped]
from fit_tool.profile.messages.timestamp_correlation_message import (  # type: ignore[import-untyped]
    TimestampCorrelationMessage,
)
from fit_tool.profile.profile_type import FileType, Manufacturer, Sport  # type: ignore[import-untyped]

from coaching.cadence import Sample
from tests.cadence.runfiles import EARTH_RADIUS_M, START_LAT, START_LON, RunPlan

REAL_FILES = Path(__file__).parent / "real_files"
FIT_EPOCH_UNIX_S = 631_065_600
"""1989-12-31T00:00:00Z, FIT's epoch, in Unix seconds."""


def real(name: str) -> bytes:
    return (REAL_FILES / name).read_bytes()


@cache
def _reference() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((REAL_FILES / "reference.json").read_text())
    return loaded


def reference(kind: str, name: str) -> dict[str, Any]:
    """The independent figures for one file (`kind` is "fit" or "gpx")."""
    figures: dict[str, Any] = _reference()[kind][name]
    return figures


# ---------------------------------------------------------------- exports of real samples


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _cadence(raw: float, unit: str) -> str:
    """The file's strides as the exporter writes them: strides as they are, or steps."""
    return f"{raw * 2 if unit == 'steps' else raw:g}"


def _distances(samples: Sequence[Sample]) -> list[float]:
    """Cumulative distance per sample, carrying the last one over gaps."""
    found, last = [], 0.0
    for sample in samples:
        last = sample.distance_m if sample.distance_m is not None else last
        found.append(last)
    return found


def tcx_export(
    samples: Sequence[Sample],
    *,
    unit: str = "strides",
    sport: str = "Running",
    before: bytes = b"",
    declare_prefix: bool = True,
) -> bytes:
    """TCX as Garmin Connect, Strava or Polar Flow write it, from recorded samples."""
    points = []
    for sample, distance in zip(samples, _distances(samples), strict=True):
        extension = ""
        if sample.cadence_raw is not None or sample.speed_mps is not None:
            speed = "" if sample.speed_mps is None else f"<ns3:Speed>{sample.speed_mps}</ns3:Speed>"
            cadence = (
                ""
                if sample.cadence_raw is None
                else f"<ns3:RunCadence>{_cadence(sample.cadence_raw, unit)}</ns3:RunCadence>"
            )
            extension = f"<Extensions><ns3:TPX>{speed}{cadence}</ns3:TPX></Extensions>"
        points.append(
            f"<Trackpoint><Time>{_iso(sample.time)}</Time>"
            f"<DistanceMeters>{distance:.2f}</DistanceMeters>{extension}</Trackpoint>"
        )
    declaration = (
        ' xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2"'
        if declare_prefix
        else ""
    )
    start = _iso(samples[0].time)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase '
        f'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"{declaration}>'
        f'<Activities><Activity Sport="{sport}"><Id>{start}</Id>'
        f'<Lap StartTime="{start}"><Track>{"".join(points)}</Track></Lap>'
        "</Activity></Activities></TrainingCenterDatabase>"
    )
    return before + body.encode()


def _lat(distance_m: float) -> float:
    return START_LAT + math.degrees(distance_m / EARTH_RADIUS_M)


def gpx_export(
    samples: Sequence[Sample],
    *,
    unit: str = "strides",
    activity_type: str | None = "running",
    before: bytes = b"",
    declare_prefix: bool = True,
) -> bytes:
    """GPX with Garmin's `gpxtpx:cad`, positions laid due north along the recorded distance."""
    points = []
    for sample, distance in zip(samples, _distances(samples), strict=True):
        extension = (
            ""
            if sample.cadence_raw is None
            else "<extensions><gpxtpx:TrackPointExtension>"
            f"<gpxtpx:cad>{_cadence(sample.cadence_raw, unit)}</gpxtpx:cad>"
            "</gpxtpx:TrackPointExtension></extensions>"
        )
        points.append(
            f'<trkpt lat="{_lat(distance):.9f}" lon="{START_LON:.6f}">'
            f"<time>{_iso(sample.time)}</time>{extension}</trkpt>"
        )
    declaration = (
        ' xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"'
        if declare_prefix
        else ""
    )
    kind = "" if activity_type is None else f"<type>{activity_type}</type>"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="export" '
        f'xmlns="http://www.topografix.com/GPX/1/1"{declaration}>'
        f"<trk><name>Activity</name>{kind}<trkseg>{''.join(points)}</trkseg></trk></gpx>"
    )
    return before + body.encode()


# ---------------------------------------------------------------- FIT as devices write it


def _ms(moment: dt.datetime) -> int:
    return round(moment.timestamp() * 1000)


def _relative_ms(seconds: int) -> int:
    """What fit_tool needs to write a date_time of `seconds` (since power-on) as it is."""
    return (FIT_EPOCH_UNIX_S + seconds) * 1000


def _file_id(builder: FitFileBuilder, created_ms: int | None) -> None:
    file_id = FileIdMessage()
    file_id.type = FileType.ACTIVITY
    file_id.manufacturer = Manufacturer.SUUNTO.value
    file_id.product = 0
    file_id.serial_number = 0x12345678
    if created_ms is not None:
        file_id.time_created = created_ms
    builder.add(file_id)


def _record(ms: int, distance: float | None, speed: float | None, spm: float | None) -> Any:
    record = RecordMessage()
    record.timestamp = ms
    if distance is not None:
        record.distance = distance
    if speed is not None:
        record.speed = speed
    if spm is not None:
        strides = spm / 2
        record.cadence = math.floor(strides)
        record.fractional_cadence = strides - math.floor(strides)
    return record


def _session(builder: FitFileBuilder, start_ms: int, end_ms: int) -> None:
    session = SessionMessage()
    session.sport = Sport.RUNNING
    session.start_time = start_ms
    session.timestamp = end_ms
    builder.add(session)


def suunto_fit(plan: RunPlan, *, empty_first: bool) -> bytes:
    """Two records per second: the measured one and an empty one (timestamp only)."""
    builder = FitFileBuilder(auto_define=True, min_string_size=50)
    _file_id(builder, _ms(plan.start))
    for point in plan.points:
        ms = _ms(plan.time(point))
        full = _record(ms, point.distance_m, point.speed_mps, point.cadence_spm)
        empty = _record(ms, None, None, None)
        for record in (empty, full) if empty_first else (full, empty):
            builder.add(record)
    _session(builder, _ms(plan.start), _ms(plan.time(plan.points[-1])))
    data: bytes = builder.build().to_bytes()
    return data


def relative_fit(
    plan: RunPlan,
    *,
    power_on_s: int,
    correlate_at: dt.datetime | None = None,
    created: dt.datetime | None = None,
) -> bytes:
    """Records timed in seconds since power-on, as older watches write them.

    `correlate_at`: a timestamp_correlation message saying the first record
    happened then; `created`: an absolute file_id.time_created.
    """
    builder = FitFileBuilder(auto_define=True, min_string_size=50)
    _file_id(builder, None if created is None else _ms(created))
    if correlate_at is not None:
        correlation = TimestampCorrelationMessage()
        correlation.timestamp = _ms(correlate_at)
        correlation.system_timestamp = _relative_ms(power_on_s)
        builder.add(correlation)
    for point in plan.points:
        ms = _relative_ms(power_on_s + point.offset_s)
        builder.add(_record(ms, point.distance_m, point.speed_mps, point.cadence_spm))
    last = plan.points[-1].offset_s
    _session(builder, _relative_ms(power_on_s), _relative_ms(power_on_s + last))
    data: bytes = builder.build().to_bytes()
    return data
