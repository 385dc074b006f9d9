"""The GPX and TCX readings as they were before streaming: a whole tree, walked.

Kept as an oracle for the streaming readers on well-behaved files: what a
track point, a trackpoint and a sport are must not have changed. GPX follows
gpxpy 1.6 on GPX 1.1 (direct children `trk/trkseg/trkpt`, the first `<time>`
and `<extensions>` of a point); TCX is the previous reader's code. Only for
trusted test input: it builds the tree and walks it recursively.
"""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree
from xml.etree.ElementTree import Element

from coaching.cadence.gpx import CADENCE_TAGS, SPEED_TAGS, gpx_time
from coaching.cadence.samples import ParsedRun, Sample, as_utc, haversine_m, positive, sport_kind
from coaching.cadence.xmlsafe import number


def _name(element: Element) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _name(child) == name]


def _first(element: Element, name: str, *, lower: bool = False) -> Element | None:
    for child in element:
        if (_name(child).lower() if lower else _name(child)) == name:
            return child
    return None


def _first_number(element: Element | None, names: frozenset[str]) -> float | None:
    if element is None:
        return None
    for found in element.iter():
        if found is not element and _name(found).lower() in names:
            value = number(found.text)
            if value is not None:
                return value
    return None


def reference_gpx(data: bytes) -> ParsedRun | None:
    root = ElementTree.fromstring(data)
    tracks = _children(root, "trk")
    types = [_first(track, "type") for track in tracks]
    sport = next((t.text for t in types if t is not None and t.text), None)
    timed: list[tuple[dt.datetime, Element]] = []
    for track in tracks:
        for segment in _children(track, "trkseg"):
            for point in _children(segment, "trkpt"):
                time_element = _first(point, "time")
                time = gpx_time(time_element.text if time_element is not None else None)
                if time is not None:
                    timed.append((time, point))
    timed.sort(key=lambda pair: pair[0])
    samples = []
    distance = 0.0
    previous: Element | None = None
    for time, point in timed:
        if previous is not None:
            distance += haversine_m(
                float(previous.get("lat", "")),
                float(previous.get("lon", "")),
                float(point.get("lat", "")),
                float(point.get("lon", "")),
            )
        previous = point
        extensions = _first(point, "extensions")
        samples.append(
            Sample(
                time=time,
                cadence_raw=positive(_first_number(extensions, CADENCE_TAGS)),
                distance_m=distance,
                speed_mps=_first_number(extensions, SPEED_TAGS),
            )
        )
    return ParsedRun("gpx", sport, tuple(samples), None) if samples else None


def _tcx_time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        return as_utc(dt.datetime.fromisoformat(text.strip()))
    except ValueError:
        return None


def _trackpoint(point: Element) -> Sample | None:
    time_element = _first(point, "time", lower=True)
    time = _tcx_time(time_element.text if time_element is not None else None)
    if time is None:
        return None
    distance = _first(point, "distancemeters", lower=True)
    extensions = _first(point, "extensions", lower=True)
    run_cadence = _first_number(extensions, frozenset({"runcadence"}))
    if run_cadence is None:
        plain = _first(point, "cadence", lower=True)
        run_cadence = number(plain.text) if plain is not None else None
    return Sample(
        time=time,
        cadence_raw=positive(run_cadence),
        distance_m=number(distance.text) if distance is not None else None,
        speed_mps=_first_number(extensions, frozenset({"speed"})),
    )


def reference_tcx(data: bytes) -> ParsedRun | None:
    root = ElementTree.fromstring(data)
    activities = [a for a in root.iter() if _name(a).lower() == "activity"]
    sports = [a.get("Sport") for a in activities]
    running = [a for a, s in zip(activities, sports, strict=True) if sport_kind(s) == "running"]
    chosen = running or activities
    sport = running[0].get("Sport") if running else next((s for s in sports if s is not None), None)
    samples = [
        sample
        for activity in chosen
        for point in activity.iter()
        if _name(point).lower() == "trackpoint"
        for sample in [_trackpoint(point)]
        if sample is not None
    ]
    samples.sort(key=lambda s: s.time)
    return ParsedRun("tcx", sport, tuple(samples), None) if samples else None
