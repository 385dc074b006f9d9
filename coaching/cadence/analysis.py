"""From samples to the figures the athlete sees: running time, cadence, pace bands.

Only *running time* counts: an interval between two samples is running when it
is short (the watch was recording, not auto-paused) and covered ground at
least at a slow-jog speed. Each interval takes the cadence of the sample that
closes it, and averages are weighted by time, so sparse "smart recording"
files and 1-second files give the same answer. Walking (walking cadence at
walking speed, as on a treadmill between intervals) is not running time either.

What was recorded decides what a file is when its label does not: a label
that names another sport refuses the file with that sport; no label, and
speed and cadence together decide (`inference`). The unit of GPX and TCX
cadence is decided segment by segment (`units`).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from coaching.cadence.errors import Reason, RunFileError
from coaching.cadence.inference import Moving, guess_sport, is_walking
from coaching.cadence.samples import CadenceUnit, ParsedRun, SourceFormat
from coaching.cadence.sports import Sport, sport_of
from coaching.cadence.units import Reading, factors

TARGET_LOW = 170
TARGET_HIGH = 180
"""The method's cadence range, steps per minute (inclusive)."""
MAX_INTERVAL_S = 30.0
"""A longer gap between samples is a pause (auto-pause, or the timer stopped)."""
MIN_RUNNING_SPEED_MPS = 1.0
"""Slower than this (16:40 min/km) is standing or walking around, not running."""
SPEED_ROUNDING_MPS = 0.001
"""Allowed under MIN_RUNNING_SPEED_MPS: a treadmill's 1.0 m in a second, exported as GPX
coordinates, comes back as 0.99998 m; the same recording must give the same figures."""
MAX_RUNNING_SPEED_MPS = 7.0
"""A whole "run" faster than 25 km/h on average is a ride or a drive."""
MIN_RUNNING_S = 60.0
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
    """The unit the file's cadence was taken to be in (most of the running time, if mixed)."""
    unit_from_range: bool
    """True when the unit was inferred from the values (GPX, TCX), not the format (FIT)."""
    pace_bands: tuple[PaceBand, ...]
    """Slowest third first; empty without distance or speed."""
    series: tuple[tuple[float, float], ...]
    """(minutes of running, steps/min), thinned to at most CHART_POINTS, for the chart."""
    steps_share: float = 0.0
    """Fraction (0–1) of the running time with cadence whose values were read as steps/min;
    strictly between 0 and 1 when segments were read in different units."""
    walking_s: float = 0.0
    """Walking time left out of the figures (walking cadence at walking speed)."""
    partial: bool = False
    """Only part of the file could be read (cut short, or a bad final checksum)."""
    clock_known: bool = True
    """False when the file holds no calendar date (`started_at` is then the FIT epoch)."""

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
    spm: float | None = None
    """Steps/min once the unit is decided."""


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
        elif speed < MIN_RUNNING_SPEED_MPS - SPEED_ROUNDING_MPS:
            continue
        running_s += seconds
        found.append(_Interval(running_s / 60, seconds, metres, speed, after.cadence_raw))
    return found


def _in_steps(run: ParsedRun, intervals: Sequence[_Interval]) -> list[_Interval]:
    """The intervals with their cadence in steps/min, the unit decided per segment."""
    with_cadence = [i for i in intervals if i.cadence_raw is not None]
    readings = [Reading(i.seconds, i.cadence_raw or 0.0, i.speed) for i in with_cadence]
    factor = iter(factors(readings, run.cadence_unit))  # one per interval with cadence, in order
    return [
        i if i.cadence_raw is None else replace(i, spm=i.cadence_raw * next(factor))
        for i in intervals
    ]


def _moving(intervals: Sequence[_Interval]) -> list[Moving]:
    return [Moving(i.seconds, i.speed, i.cadence_raw, i.spm) for i in intervals]


def _not_running(sport: Sport | None, detail: str) -> RunFileError:
    return RunFileError(Reason.NOT_RUNNING, detail, None if sport is None else sport.value)


def _running_only(intervals: Sequence[_Interval]) -> tuple[list[_Interval], float]:
    """The intervals that were not walking, re-timed as running minutes; walking seconds."""
    running: list[_Interval] = []
    walking_s = 0.0
    elapsed = 0.0
    for interval, moving in zip(intervals, _moving(intervals), strict=True):
        if is_walking(moving):
            walking_s += interval.seconds
            continue
        elapsed += interval.seconds
        running.append(replace(interval, end_minute=elapsed / 60))
    return running, walking_s


def _pace_bands(intervals: Sequence[_Interval]) -> tuple[PaceBand, ...]:
    """Split the running time with cadence into slowest, middle and fastest thirds."""
    usable = sorted(
        (i for i in intervals if i.speed is not None and i.spm is not None),
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
        cadence = sum((i.spm or 0.0) * i.seconds for i in group) / seconds
        bands.append(PaceBand(seconds, 1000 * seconds / metres, cadence))
    return tuple(bands)


def _series(intervals: Sequence[_Interval]) -> tuple[tuple[float, float], ...]:
    points = [(i.end_minute, i.spm) for i in intervals if i.spm]
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
    labelled = sport_of(run.sport)
    if labelled is not None and labelled is not Sport.RUNNING:
        raise _not_running(labelled, f"sport is {run.sport!r}")
    if len(run.samples) < 2:
        raise RunFileError(Reason.TOO_SHORT, "fewer than two samples")
    moving = _in_steps(run, _intervals(run))
    if labelled is None and (guess := guess_sport(_moving(moving))) is not Sport.RUNNING:
        raise _not_running(guess, f"no sport label; the recording looks like {guess.value}")
    intervals, walking_s = _running_only(moving)
    duration = sum(i.seconds for i in intervals)
    if duration < MIN_RUNNING_S:
        if walking_s >= MIN_RUNNING_S:
            raise _not_running(Sport.WALKING, f"{walking_s:.0f} s of walking, {duration:.0f} s run")
        raise RunFileError(Reason.TOO_SHORT, f"{duration:.0f} s of running")
    measured = [i for i in intervals if i.metres is not None]
    distance = sum(i.metres or 0.0 for i in measured) if measured else None
    if measured:
        measured_s = sum(i.seconds for i in measured)
        if distance is not None and distance / measured_s > MAX_RUNNING_SPEED_MPS:
            guess = guess_sport(_moving(moving))
            raise _not_running(
                Sport.CYCLING if guess is Sport.RUNNING else guess,
                f"{distance / measured_s:.1f} m/s on average",
            )
    with_cadence = [i for i in intervals if i.spm is not None]
    cadence_s = sum(i.seconds for i in with_cadence)
    if not with_cadence or cadence_s < MIN_RUNNING_S:
        raise RunFileError(Reason.NO_CADENCE)
    average = sum((i.spm or 0.0) * i.seconds for i in with_cadence) / cadence_s
    if not PLAUSIBLE_SPM[0] <= average <= PLAUSIBLE_SPM[1]:
        raise RunFileError(Reason.ODD_CADENCE, f"{average:.0f} steps/min on average")
    in_target = sum(
        i.seconds for i in with_cadence if TARGET_LOW <= round(i.spm or 0.0, 6) <= TARGET_HIGH
    )
    steps_s = sum(i.seconds for i in with_cadence if i.spm == i.cadence_raw)
    fixed = run.cadence_unit
    steps_share = (0.0 if fixed is CadenceUnit.STRIDES else 1.0) if fixed else steps_s / cadence_s
    return CadenceAnalysis(
        source=run.source,
        sport=run.sport,
        started_at=run.samples[0].time,
        duration_s=duration,
        distance_m=distance,
        avg_cadence_spm=average,
        share_in_target=in_target / cadence_s,
        unit=fixed or (CadenceUnit.STEPS if steps_share > 0.5 else CadenceUnit.STRIDES),
        unit_from_range=fixed is None,
        pace_bands=_pace_bands(intervals),
        series=_series(intervals),
        steps_share=steps_share,
        walking_s=walking_s,
        partial=run.partial,
        clock_known=run.clock_known,
    )
