"""Steps or strides per minute, decided stretch by stretch when the format does not say.

GPX and TCX do not fix the unit: Garmin writes strides (one foot), most other
exporters steps. One median over the whole file goes wrong on a treadmill
session in steps with walking in it: the walking (100–125 steps/min) pulls
the median under the line and the running is read as strides, 330 "steps".

So the values are cut into segments, a new one wherever the value changes
band, and each segment is decided on its own evidence:

- at least 125 it can only be steps: as strides it would be 250+ steps/min;
- under 70 it can only be strides: as steps it would be no gait at all;
- in between (running strides, or walking steps), the file's own unit decides
  when the certain segments show it clearly (an exporter writes one unit);
  otherwise the speed does: read as steps, a walking step is under a metre;
  a value that would make a longer one is the strides of a run. Without a
  speed, strides, as Garmin writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coaching.cadence.samples import CadenceUnit

STEPS_FROM = 125.0
"""A value this high is steps/min: 125 strides would be 250 steps/min."""
STRIDES_BELOW = 70.0
"""A value this low is strides/min: 70 steps/min is not walking, let alone running."""
WALKING_STEP_MAX_M = 1.0
"""Longest walking step: a middle value read as steps that needs a longer one is strides."""
CLEAR_EVIDENCE_S = 30.0
CLEAR_MARGIN = 3.0
"""The certain segments show the file's unit when one unit has 30 s and 3 times the other."""


@dataclass(frozen=True, slots=True)
class Reading:
    """One interval's cadence as the file has it, with its length and speed."""

    seconds: float
    cadence_raw: float
    speed_mps: float | None


@dataclass(frozen=True, slots=True)
class Segment:
    """Consecutive readings in the same band, and the unit they were read in."""

    first: int
    """Index of its first reading."""
    count: int
    unit: CadenceUnit
    seconds: float


def _band(raw: float) -> int:
    return 2 if raw >= STEPS_FROM else 0 if raw < STRIDES_BELOW else 1


def _split(readings: Sequence[Reading]) -> list[tuple[int, int, int]]:
    """(band, first index, count) of each run of readings in one band."""
    runs: list[tuple[int, int, int]] = []
    for index, reading in enumerate(readings):
        band = _band(reading.cadence_raw)
        if runs and runs[-1][0] == band:
            runs[-1] = (band, runs[-1][1], runs[-1][2] + 1)
        else:
            runs.append((band, index, 1))
    return runs


def _file_unit(readings: Sequence[Reading], runs: list[tuple[int, int, int]]) -> CadenceUnit | None:
    """The unit the certain segments show, if they show one clearly."""
    seconds = {0: 0.0, 2: 0.0}
    for band, first, count in runs:
        if band != 1:
            seconds[band] += sum(r.seconds for r in readings[first : first + count])
    steps, strides = seconds[2], seconds[0]
    if steps >= CLEAR_EVIDENCE_S and steps >= CLEAR_MARGIN * strides:
        return CadenceUnit.STEPS
    if strides >= CLEAR_EVIDENCE_S and strides >= CLEAR_MARGIN * steps:
        return CadenceUnit.STRIDES
    return None


def _by_speed(readings: Sequence[Reading]) -> CadenceUnit:
    """A middle segment without clear file evidence: would its steps be walking steps?"""
    timed = [r for r in readings if r.speed_mps is not None and r.seconds > 0]
    seconds = sum(r.seconds for r in timed)
    if not timed or seconds <= 0:
        return CadenceUnit.STRIDES
    metres = sum((r.speed_mps or 0.0) * r.seconds for r in timed)
    steps = sum(r.cadence_raw * r.seconds for r in timed) / 60
    return CadenceUnit.STEPS if metres / steps <= WALKING_STEP_MAX_M else CadenceUnit.STRIDES


def segments(readings: Sequence[Reading]) -> list[Segment]:
    """The readings cut into segments, each with the unit it is read in (see module doc)."""
    runs = _split(readings)
    file_unit = _file_unit(readings, runs)
    found = []
    for band, first, count in runs:
        part = readings[first : first + count]
        if band == 2:
            unit = CadenceUnit.STEPS
        elif band == 0:
            unit = CadenceUnit.STRIDES
        else:
            unit = file_unit or _by_speed(part)
        found.append(Segment(first, count, unit, sum(r.seconds for r in part)))
    return found


def factors(readings: Sequence[Reading], fixed: CadenceUnit | None) -> list[float]:
    """Per reading, what turns its value into steps/min: 2 for strides, 1 for steps.

    `fixed` is the format's own unit (FIT: strides), which then holds throughout.
    """
    if fixed is not None:
        return [2.0 if fixed is CadenceUnit.STRIDES else 1.0] * len(readings)
    result: list[float] = []
    for segment in segments(readings):
        result.extend([2.0 if segment.unit is CadenceUnit.STRIDES else 1.0] * segment.count)
    return result
