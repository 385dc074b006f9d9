"""From samples to the figures the athlete sees: running time, cadence, pace bands.

Only *running time* counts: an interval between two samples is running when it
is short (the watch was recording, not auto-paused) and covered ground at
least at a slow-jog speed. Each interval takes the cadence of the sample that
closes it, and averages are weighted by time, so sparse "smart recording"
files and 1-second files give the same answer.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from coaching.cadence.errors import Reason, RunFileError
from coaching.cadence.samples import CadenceUnit, ParsedRun, SourceFormat, sport_kind

TARGET_LOW = 170
TARGET_HIGH = 180
"""The method's cadence range, steps per minute (inclusive)."""
MAX_INTERVAL_S = 30.0
"""A longer gap between samples is a pause (auto-pause, or the timer stopped)."""
MIN_RUNNING_SPEED_MPS = 1.0
"""Slower than this (16:40 min/km) is standing or walking around, not running."""
MAX_RUNNING_SPEED_MPS = 7.0
"""A whole "run" faster than 25 km/h on average is a ride or a drive."""
MIN_RUNNING_S = 60.0
STRIDES_BELOW = 125.0
"""Running strides/min sit around 70–110 and steps/min around 140–220: split between."""
PLAUSIBLE_SPM = (120.0, 250.0)
CHART_POINTS = 600

Zone = Literal["below", "inside", "above"]


@dataclass(frozen=True, slots=True)
class PaceBand:
    """A third of the running time, by pace: its mean pace and average cadence."""

    seconds: float
    pace_s_per_km: float
    cadence_spm: float


@dataclass(frozen=True, slots=True)
class CadenceAnalysis:
    """Everything we tell the athlete about one run, and store about it."""

    source: SourceFormat
    sport: str | None
    started_at: dt.datetime
    duration_s: float
    """Running (moving) time, pauses excluded."""
    distance_m: float | None
    avg_cadence_spm: float
    share_in_target: float
    """Fraction (0–1) of the running time with cadence in 170–180."""
    unit: CadenceUnit
    """The unit the file's cadence was taken to be in."""
    unit_from_range: bool
    """True when the unit was inferred from the values (GPX, TCX), not the format (FIT)."""
    pace_bands: tuple[PaceBand, ...]
    """Slowest third first; empty without distance or speed."""
    series: tuple[tuple[float, float], ...]
    """(minutes of running, steps/min), thinned to at most CHART_POINTS, for the chart."""

    @property
    def zone(self) -> Zone:
        return zone_of(self.avg_cadence_spm)


def shown_spm(cadence_spm: float) -> int:
    """Steps/min as shown to the athlete: rounded half up (170.5 → 171)."""
    return math.floor(cadence_spm + 0.5)


def zone_of(cadence_spm: float) -> Zone:
    """Below, inside or above the method's 170–180, judged on the value shown."""
    shown = shown_spm(cadence_spm)
    if shown < TARGET_LOW:
        return "below"
    if shown > TARGET_HIGH:
        return "above"
    return "inside"


@dataclass(frozen=True, slots=True)
class _Interval:
    end_minute: float
    seconds: float
    metres: float | None
    speed: float | None
    cadence_raw: float | None


def _intervals(run: ParsedRun) -> list[_Interval]:
    """The running intervals, in order; pauses and standing still left out."""
    found: list[_Interval] = []
    running_s = 0.0
    samples = run.samples
    for before, after in zip(samples, samples[1:], strict=False):
        seconds = (after.time - before.time).total_seconds()
        if seconds <= 0 or seconds > MAX_INTERVAL_S:
            continue
        metres: float | None = None
        if before.distance_m is not None and after.distance_m is not None:
            metres = max(0.0, after.distance_m - before.distance_m)
            speed: float | None = metres / seconds
        else:
            speed = after.speed_mps
        if speed is None:
            if after.cadence_raw is None:
                continue  # neither distance nor cadence: nothing says we were running
        elif speed < MIN_RUNNING_SPEED_MPS:
            continue
        running_s += seconds
        found.append(_Interval(running_s / 60, seconds, metres, speed, after.cadence_raw))
    return found


def _unit(run: ParsedRun, values: Sequence[float]) -> tuple[CadenceUnit, bool]:
    if run.cadence_unit is not None:
        return run.cadence_unit, False
    median = statistics.median(values)
    return (CadenceUnit.STRIDES if median < STRIDES_BELOW else CadenceUnit.STEPS), True


def _pace_bands(intervals: Sequence[_Interval], factor: float) -> tuple[PaceBand, ...]:
    """Split the running time with cadence into slowest, middle and fastest thirds."""
    usable = sorted(
        (i for i in intervals if i.speed is not None and i.cadence_raw is not None),
        key=lambda i: i.speed or 0.0,
    )
    total = sum(i.seconds for i in usable)
    if len(usable) < 3 or total <= 0:
        return ()
    groups: list[list[_Interval]] = [[], [], []]
    elapsed = 0.0
    for interval in usable:
        # The interval's midpoint decides its third: equal time in each, whatever the spacing.
        third = min(2, int(3 * (elapsed + interval.seconds / 2) / total))
        groups[third].append(interval)
        elapsed += interval.seconds
    bands = []
    for group in groups:
        seconds = sum(i.seconds for i in group)
        if seconds <= 0:
            continue
        metres = sum((i.speed or 0.0) * i.seconds for i in group)
        cadence = sum((i.cadence_raw or 0.0) * i.seconds for i in group) / seconds * factor
        bands.append(PaceBand(seconds, 1000 * seconds / metres, cadence))
    return tuple(bands)


def _series(intervals: Sequence[_Interval], factor: float) -> tuple[tuple[float, float], ...]:
    points = [(i.end_minute, i.cadence_raw * factor) for i in intervals if i.cadence_raw]
    if len(points) <= CHART_POINTS:
        return tuple(points)
    size = -(-len(points) // CHART_POINTS)
    return tuple(
        (
            statistics.fmean(p[0] for p in points[start : start + size]),
            statistics.fmean(p[1] for p in points[start : start + size]),
        )
        for start in range(0, len(points), size)
    )


def analyse(run: ParsedRun) -> CadenceAnalysis:
    """The run's figures; RunFileError when it is not a run, too short, or has no cadence."""
    if sport_kind(run.sport) == "other":
        raise RunFileError(Reason.NOT_RUNNING, f"sport is {run.sport!r}")
    if len(run.samples) < 2:
        raise RunFileError(Reason.TOO_SHORT, "fewer than two samples")
    intervals = _intervals(run)
    duration = sum(i.seconds for i in intervals)
    if duration < MIN_RUNNING_S:
        raise RunFileError(Reason.TOO_SHORT, f"{duration:.0f} s of running")
    measured = [i for i in intervals if i.metres is not None]
    distance = sum(i.metres or 0.0 for i in measured) if measured else None
    if measured:
        measured_s = sum(i.seconds for i in measured)
        if distance is not None and distance / measured_s > MAX_RUNNING_SPEED_MPS:
            raise RunFileError(Reason.NOT_RUNNING, f"{distance / measured_s:.1f} m/s on average")
    with_cadence = [i for i in intervals if i.cadence_raw is not None]
    cadence_s = sum(i.seconds for i in with_cadence)
    if not with_cadence or cadence_s < MIN_RUNNING_S:
        raise RunFileError(Reason.NO_CADENCE)
    unit, from_range = _unit(run, [i.cadence_raw for i in with_cadence if i.cadence_raw])
    factor = 2.0 if unit is CadenceUnit.STRIDES else 1.0
    average = sum((i.cadence_raw or 0.0) * i.seconds for i in with_cadence) / cadence_s * factor
    if not PLAUSIBLE_SPM[0] <= average <= PLAUSIBLE_SPM[1]:
        raise RunFileError(Reason.ODD_CADENCE, f"{average:.0f} steps/min on average")
    in_target = sum(
        i.seconds
        for i in with_cadence
        if TARGET_LOW <= round((i.cadence_raw or 0.0) * factor, 6) <= TARGET_HIGH
    )
    return CadenceAnalysis(
        source=run.source,
        sport=run.sport,
        started_at=run.samples[0].time,
        duration_s=duration,
        distance_m=distance,
        avg_cadence_spm=average,
        share_in_target=in_target / cadence_s,
        unit=unit,
        unit_from_range=from_range,
        pace_bands=_pace_bands(intervals, factor),
        series=_series(intervals, factor),
    )
