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
from array import array
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import accumulate, compress, islice, pairwise, repeat
from operator import attrgetter, eq, ge, itemgetter, mul, not_, sub, truediv
from typing import Literal, cast

from coaching.cadence.errors import Reason, RunFileError
from coaching.cadence.inference import (
    WALKING_BELOW_MPS,
    WALKING_BELOW_SPM,
    Moving,
    guess_sport,
)
from coaching.cadence.samples import CadenceUnit, ParsedRun, Sample, SourceFormat
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
class _Intervals:
    """The running intervals, in order, as columns: one list per field, one entry per interval.

    Columns rather than an object per interval: a 10 MB file holds 700,000 intervals, and
    building and rebuilding an object for each was most of the analysis' time.
    """

    seconds: list[float]
    metres: list[float | None]
    speed: list[float | None]
    cadence_raw: list[float | None]
    spm: list[float | None]
    """Steps/min once the unit is decided; None where there is no cadence."""

    def moving(self) -> list[Moving]:
        return [
            Moving(*values)
            for values in zip(self.seconds, self.speed, self.cadence_raw, self.spm, strict=True)
        ]


_time, _distance, _cadence = attrgetter("time"), attrgetter("distance_m"), attrgetter("cadence_raw")


def _intervals(run: ParsedRun) -> _Intervals:
    """The running intervals, pauses and standing still left out; cadence as the file has it.

    A whole column at a time (`map`, `compress`) when every sample has a distance, as in
    most watch files; `_intervals_one_by_one` otherwise.
    """
    samples = run.samples
    times = list(map(_time, samples))
    gaps = list(map(dt.timedelta.total_seconds, map(sub, islice(times, 1, None), times)))
    distance = list(map(_distance, samples))
    if None in distance:
        return _intervals_one_by_one(samples, gaps, distance)
    kept = [0 < seconds <= MAX_INTERVAL_S for seconds in gaps]  # not a pause
    lengths = list(compress(gaps, kept))
    travelled = map(sub, islice(distance, 1, None), cast(list[float], distance))
    metres = [m if m > 0.0 else 0.0 for m in compress(travelled, kept)]  # NaN too: 0.0
    speeds = list(map(truediv, metres, lengths))  # never NaN: metres is not, lengths > 0
    cadences = list(compress(map(_cadence, islice(samples, 1, None)), kept))
    moving = list(map(ge, speeds, repeat(MIN_RUNNING_SPEED_MPS - SPEED_ROUNDING_MPS)))
    if not all(moving):
        lengths, metres, speeds, cadences = (
            list(compress(column, moving)) for column in (lengths, metres, speeds, cadences)
        )
    return _Intervals(
        lengths,
        cast(list[float | None], metres),
        cast(list[float | None], speeds),
        cadences,
        [None] * len(lengths),
    )


def _intervals_one_by_one(
    samples: tuple[Sample, ...], gaps: list[float], distance: list[float | None]
) -> _Intervals:
    """`_intervals` of samples some of which lack a distance: each interval by itself."""
    lengths: list[float] = []
    distances: list[float | None] = []
    speeds: list[float | None] = []
    cadences: list[float | None] = []
    slowest = MIN_RUNNING_SPEED_MPS - SPEED_ROUNDING_MPS
    for index, seconds in enumerate(gaps, start=1):
        if seconds <= 0 or seconds > MAX_INTERVAL_S:
            continue
        after = samples[index]
        metres: float | None = None
        if (start := distance[index - 1]) is not None and (end := distance[index]) is not None:
            metres = end - start
            if not metres > 0.0:  # as max(0.0, metres), NaN included
                metres = 0.0
            speed: float | None = metres / seconds
        else:
            speed = after.speed_mps
        cadence_raw = after.cadence_raw
        if speed is None:
            if cadence_raw is None:
                continue  # neither distance nor cadence: nothing says we were running
        elif speed < slowest:
            continue
        lengths.append(seconds)
        distances.append(metres)
        speeds.append(speed)
        cadences.append(cadence_raw)
    return _Intervals(lengths, distances, speeds, cadences, [None] * len(lengths))


def _minutes(lengths: list[float]) -> list[float]:
    """Each interval's end in minutes of running, the intervals one after another."""
    return list(map(truediv, accumulate(lengths), repeat(60)))


def _in_steps(run: ParsedRun, intervals: _Intervals) -> _Intervals:
    """The intervals with their cadence in steps/min, the unit decided per segment."""
    raw = intervals.cadence_raw
    fixed = run.cadence_unit
    if fixed is not None:  # the format's unit holds throughout (`units.factors`)
        factor = 2.0 if fixed is CadenceUnit.STRIDES else 1.0
        if None in raw:
            spm = [None if value is None else value * factor for value in raw]
        else:
            spm = list(map(mul, raw, repeat(factor)))
    else:
        readings = [
            Reading(seconds, value, speed)
            for seconds, value, speed in zip(intervals.seconds, raw, intervals.speed, strict=True)
            if value is not None
        ]
        each = iter(factors(readings, None))  # one per interval with cadence, in order
        spm = [None if value is None else value * next(each) for value in raw]
    return replace(intervals, spm=spm)


def _not_running(sport: Sport | None, detail: str) -> RunFileError:
    return RunFileError(Reason.NOT_RUNNING, detail, None if sport is None else sport.value)


def _running_only(intervals: _Intervals) -> tuple[_Intervals, float]:
    """The intervals that were not walking; walking seconds."""
    walked = [  # `inference.walking` of each, written out: a call each cost more than the test
        spm is not None and spm < WALKING_BELOW_SPM and (speed is None or speed < WALKING_BELOW_MPS)
        for speed, spm in zip(intervals.speed, intervals.spm, strict=True)
    ]
    if not any(walked):
        return intervals, 0.0
    walking_s = 0.0
    for seconds in compress(intervals.seconds, walked):
        walking_s += seconds
    ran = list(map(not_, walked))
    lengths = list(compress(intervals.seconds, ran))
    running = _Intervals(
        lengths,
        list(compress(intervals.metres, ran)),
        list(compress(intervals.speed, ran)),
        list(compress(intervals.cadence_raw, ran)),
        list(compress(intervals.spm, ran)),
    )
    return running, walking_s


def _pace_bands(intervals: _Intervals) -> tuple[PaceBand, ...]:
    """Split the running time with cadence into slowest, middle and fastest thirds."""
    if None in intervals.speed or None in intervals.spm:
        usable = [
            speed is not None and spm is not None
            for speed, spm in zip(intervals.speed, intervals.spm, strict=True)
        ]
        speeds = cast(list[float], list(compress(intervals.speed, usable)))
        seconds = list(compress(intervals.seconds, usable))
        spms = cast(list[float], list(compress(intervals.spm, usable)))
    else:
        speeds = cast(list[float], intervals.speed)
        seconds = intervals.seconds
        spms = cast(list[float], intervals.spm)
    if len(speeds) < 3:
        return ()
    # Stable: equal speeds keep the recording's order.
    order = sorted(range(len(speeds)), key=speeds.__getitem__)
    in_order = itemgetter(*order)  # three or more: a tuple of them
    # Each column taken in that order out of an array: as new floats, side by side in memory.
    # The intervals' own floats lie scattered, and summing them in another order than they
    # were made went from cache miss to cache miss (a quarter of a second on a 10 MB file).
    # Products are taken before, in the recording's order: the same products.
    if seconds.count(seconds[0]) == len(seconds):  # a record a second: one length throughout
        lengths: Sequence[float] = [seconds[0]] * len(seconds)
    else:
        lengths = in_order(array("d", seconds))
    metres_each: tuple[float, ...] = in_order(array("d", map(mul, speeds, seconds)))
    beats_each: tuple[float, ...] = in_order(array("d", map(mul, spms, seconds)))
    total = sum(lengths)
    if total <= 0:
        return ()
    elapsed = list(accumulate(lengths, initial=0.0))  # the time before each interval

    def third(index: int) -> int:
        # The interval's midpoint decides its third: equal time in each, whatever the spacing.
        return min(2, int(3 * (elapsed[index] + lengths[index] / 2) / total))

    # Sorted by speed, the midpoints only grow: each third is one slice, found by bisection.
    everything = range(len(speeds))
    cuts = [0, bisect_left(everything, 1, key=third), bisect_left(everything, 2, key=third)]
    cuts.append(len(speeds))
    bands = []
    for first, stop in pairwise(cuts):
        seconds_in = sum(lengths[first:stop])
        if seconds_in <= 0:
            continue
        metres = sum(metres_each[first:stop])  # speed × seconds of each
        cadence = sum(beats_each[first:stop]) / seconds_in  # steps/min × seconds of each
        bands.append(PaceBand(seconds_in, 1000 * seconds_in / metres, cadence))
    return tuple(bands)


def _series(intervals: _Intervals) -> tuple[tuple[float, float], ...]:
    charted = list(map(bool, intervals.spm))
    minutes = list(compress(_minutes(intervals.seconds), charted))
    cadences = cast(list[float], list(compress(intervals.spm, charted)))
    if len(minutes) <= CHART_POINTS:
        return tuple(zip(minutes, cadences, strict=True))
    size = -(-len(minutes) // CHART_POINTS)
    return tuple(
        (_mean(minutes[start : start + size]), _mean(cadences[start : start + size]))
        for start in range(0, len(minutes), size)
    )


def _mean(values: list[float]) -> float:
    """`statistics.fmean` of a list (the same exact sum), without its per-item counting."""
    return math.fsum(values) / len(values)


def _in_target(spm: float) -> bool:
    """In 170–180 as rounded to 6 decimals; only values within 1e-5 of a bound need rounding."""
    if TARGET_LOW + 1e-5 <= spm <= TARGET_HIGH - 1e-5:
        return True
    if spm < TARGET_LOW - 1e-5 or spm > TARGET_HIGH + 1e-5:
        return False
    return TARGET_LOW <= round(spm, 6) <= TARGET_HIGH


def _in_target_each(cadences: list[float]) -> list[bool]:
    """`_in_target` of each value, called only for those near a bound."""
    low, high = TARGET_LOW + 1e-5, TARGET_HIGH - 1e-5
    near_low, near_high = TARGET_LOW - 1e-5, TARGET_HIGH + 1e-5
    return [
        low <= spm <= high or (near_low <= spm <= near_high and _in_target(spm)) for spm in cadences
    ]


def analyse(run: ParsedRun) -> CadenceAnalysis:
    """The run's figures; RunFileError when it is not a run, too short, or has no cadence."""
    labelled = sport_of(run.sport)
    if labelled is not None and labelled is not Sport.RUNNING:
        raise _not_running(labelled, f"sport is {run.sport!r}")
    if len(run.samples) < 2:
        raise RunFileError(Reason.TOO_SHORT, "fewer than two samples")
    moving = _in_steps(run, _intervals(run))
    if labelled is None and (guess := guess_sport(moving.moving())) is not Sport.RUNNING:
        raise _not_running(guess, f"no sport label; the recording looks like {guess.value}")
    intervals, walking_s = _running_only(moving)
    duration = sum(intervals.seconds)
    if duration < MIN_RUNNING_S:
        if walking_s >= MIN_RUNNING_S:
            raise _not_running(Sport.WALKING, f"{walking_s:.0f} s of walking, {duration:.0f} s run")
        raise RunFileError(Reason.TOO_SHORT, f"{duration:.0f} s of running")
    if None in intervals.metres:
        has_metres = [metres is not None for metres in intervals.metres]
        metres = cast(list[float], list(compress(intervals.metres, has_metres)))
        measured = list(compress(intervals.seconds, has_metres))
    else:  # every interval (the same sums as through an all-true mask)
        metres, measured = cast(list[float], intervals.metres), intervals.seconds
    distance = sum(metres) if metres else None
    if distance is not None:
        measured_s = duration if measured is intervals.seconds else sum(measured)
        if distance / measured_s > MAX_RUNNING_SPEED_MPS:
            guess = guess_sport(moving.moving())
            raise _not_running(
                Sport.CYCLING if guess is Sport.RUNNING else guess,
                f"{distance / measured_s:.1f} m/s on average",
            )
    if None in intervals.spm:
        has_cadence = [spm is not None for spm in intervals.spm]
        cadences = cast(list[float], list(compress(intervals.spm, has_cadence)))
        lengths = list(compress(intervals.seconds, has_cadence))
        as_read = list(compress(intervals.cadence_raw, has_cadence))
    else:
        cadences = cast(list[float], intervals.spm)
        lengths, as_read = intervals.seconds, intervals.cadence_raw
    cadence_s = duration if lengths is intervals.seconds else sum(lengths)
    if not cadences or cadence_s < MIN_RUNNING_S:
        raise RunFileError(Reason.NO_CADENCE)
    average = sum(map(mul, cadences, lengths)) / cadence_s
    if not PLAUSIBLE_SPM[0] <= average <= PLAUSIBLE_SPM[1]:
        raise RunFileError(Reason.ODD_CADENCE, f"{average:.0f} steps/min on average")
    in_target = sum(compress(lengths, _in_target_each(cadences)))
    fixed = run.cadence_unit
    if fixed:  # the format's unit throughout
        steps_share = 0.0 if fixed is CadenceUnit.STRIDES else 1.0
    else:  # the time with cadence whose values were read as steps/min
        steps_share = sum(compress(lengths, map(eq, cadences, as_read))) / cadence_s
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
