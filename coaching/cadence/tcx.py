"""Training Center XML: `Activity Sport="Running"`, trackpoints with `TPX/RunCadence`.

Garmin writes RunCadence in strides per minute; other exporters write steps,
and some put running cadence in the plain `<Cadence>` (meant for bike rpm).
"""

from __future__ import annotations

import datetime as dt
from xml.etree.ElementTree import Element

from coaching.cadence.errors import Reason, RunFileError
from coaching.cadence.samples import ParsedRun, Sample, as_utc, positive, sport_kind
from coaching.cadence.xmlsafe import local_name, number, parse_xml


def _child(element: Element, name: str) -> Element | None:
    for child in element:
        if local_name(child) == name:
            return child
    return None


def _descendant_value(element: Element, name: str) -> float | None:
    for found in element.iter():
        if local_name(found) == name:
            value = number(found.text)
            if value is not None:
                return value
    return None


def _time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        return as_utc(dt.datetime.fromisoformat(text.strip()))
    except ValueError:
        return None


def _trackpoint(point: Element) -> Sample | None:
    time_element = _child(point, "time")
    time = _time(time_element.text if time_element is not None else None)
    if time is None:
        return None
    distance = _child(point, "distancemeters")
    extensions = _child(point, "extensions")
    run_cadence = _descendant_value(extensions, "runcadence") if extensions is not None else None
    if run_cadence is None:
        plain = _child(point, "cadence")
        run_cadence = number(plain.text) if plain is not None else None
    speed = _descendant_value(extensions, "speed") if extensions is not None else None
    return Sample(
        time=time,
        cadence_raw=positive(run_cadence),
        distance_m=number(distance.text) if distance is not None else None,
        speed_mps=speed,
    )


def parse_tcx(data: bytes) -> ParsedRun:
    """Trackpoints of the file's running activities (or of all, if none says its sport)."""
    root = parse_xml(data)
    if local_name(root) != "trainingcenterdatabase":
        raise RunFileError(Reason.CORRUPT, f"root element is {local_name(root)!r}")
    activities = [a for a in root.iter() if local_name(a) == "activity"]
    sports = [a.get("Sport") for a in activities]
    running = [a for a, s in zip(activities, sports, strict=True) if sport_kind(s) == "running"]
    chosen = running or activities
    sport = running[0].get("Sport") if running else next((s for s in sports if s is not None), None)
    samples = [
        sample
        for activity in chosen
        for point in activity.iter()
        if local_name(point) == "trackpoint"
        for sample in [_trackpoint(point)]
        if sample is not None
    ]
    if not samples:
        raise RunFileError(Reason.EMPTY, "no trackpoints with a time")
    samples.sort(key=lambda s: s.time)
    return ParsedRun("tcx", sport, tuple(samples), None)
