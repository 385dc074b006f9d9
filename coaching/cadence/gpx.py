"""GPX tracks with cadence in extensions (Garmin's `gpxtpx:cad`, or a plain `<cadence>`).

GPX has no sport field; the track's `<type>` is what exporters use ("running",
"cycling", Strava's "9"...). The cadence unit is not defined by the format.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

import gpxpy
import gpxpy.gpx

from coaching.cadence.errors import Reason, RunFileError
from coaching.cadence.samples import ParsedRun, Sample, as_utc, haversine_m, positive
from coaching.cadence.xmlsafe import local_name, number, parse_xml

CADENCE_TAGS = frozenset({"cad", "cadence", "runcadence"})
SPEED_TAGS = frozenset({"speed"})


def _extension_value(extensions: list[Element], names: frozenset[str]) -> float | None:
    for extension in extensions:
        for element in extension.iter():
            if local_name(element) in names:
                value = number(element.text)
                if value is not None:
                    return value
    return None


def parse_gpx(data: bytes) -> ParsedRun:
    """Timed track points of every track and segment, in time order."""
    parse_xml(data)  # refuse DTDs/entities before gpxpy (which may use lxml) sees the bytes
    try:
        gpx = gpxpy.parse(data.decode("utf-8-sig"))
    except (gpxpy.gpx.GPXException, UnicodeDecodeError, ValueError) as exc:
        raise RunFileError(Reason.CORRUPT, str(exc)) from exc
    sport = next((t.type for t in gpx.tracks if t.type), None)
    points = [
        point
        for track in gpx.tracks
        for segment in track.segments
        for point in segment.points
        if point.time is not None
    ]
    points.sort(key=lambda p: as_utc(p.time))  # type: ignore[arg-type]
    samples: list[Sample] = []
    distance = 0.0
    previous: gpxpy.gpx.GPXTrackPoint | None = None
    for point in points:
        assert point.time is not None
        if previous is not None:
            distance += haversine_m(
                previous.latitude, previous.longitude, point.latitude, point.longitude
            )
        previous = point
        samples.append(
            Sample(
                time=as_utc(point.time),
                cadence_raw=positive(_extension_value(point.extensions, CADENCE_TAGS)),
                distance_m=distance,
                speed_mps=_extension_value(point.extensions, SPEED_TAGS),
            )
        )
    if not samples:
        raise RunFileError(Reason.EMPTY, "no track points with a time")
    return ParsedRun("gpx", sport, tuple(samples), None)
