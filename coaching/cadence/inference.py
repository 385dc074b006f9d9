"""What the recording says it was, when its label does not: speed and cadence together.

A GPX without `<type>`, a TCX "Other", a FIT "generic", or a file cut before
its session message: nothing says run or ride, and a ride read as a run was
stored as one. Speed alone is not enough (a fast runner and a slow cyclist
overlap), nor is cadence (pedalling at 80–100 rpm looks like running strides).
Together they are: a cyclist turning the cranks 75 times a minute at 18 km/h
covers 4 m per turn; a runner's stride (two steps) at that speed is under 3.5,
even an elite marathoner's at 5.9 m/s is 3.7.

- Faster than any run (a typical speed over 6 m/s, 2:47 min/km): a ride; far
  faster (16 m/s, 58 km/h) and it is no sport we name.
- Cadence under 125 whose strides would be over 3.7 m long at a speed over
  4 m/s: pedalling, a ride.
- Slower than a run, with walking cadence or none: a walk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coaching.cadence.sports import Sport

RIDE_SPEED_MPS = 6.0
"""A typical (median) speed above this is not running: 2:47 min/km for the whole run."""
MOTOR_SPEED_MPS = 16.0
"""58 km/h: a drive, a train, a downhill ski... not a sport we can name."""
PEDALLING_FROM_MPS = 4.0
PEDALLING_TURN_M = 3.7
"""Metres per crank turn or running stride: longer at 4 m/s or more is pedalling."""
WALKING_BELOW_MPS = 2.0
"""7.2 km/h: walking pace, or the slowest of jogs."""
WALKING_BELOW_SPM = 135.0
"""Walking cadence; running starts around 140–150 steps/min even when slow."""
RAW_CADENCE_MAX = 125.0
"""Above this a value is steps/min, never rpm or strides (`units.STEPS_FROM`)."""


@dataclass(frozen=True, slots=True)
class Moving:
    """One interval of the recording while it moved."""

    seconds: float
    speed_mps: float | None
    cadence_raw: float | None
    spm: float | None
    """Its cadence in steps/min, the unit decided (`units`)."""


def _median(pairs: Sequence[tuple[float, float]]) -> float | None:
    """Time-weighted median of (value, seconds) pairs."""
    total = sum(seconds for _, seconds in pairs)
    if total <= 0:
        return None
    elapsed = 0.0
    for value, seconds in sorted(pairs):
        elapsed += seconds
        if elapsed >= total / 2:
            return value
    return None  # pragma: no cover - the loop reaches half the total


def is_walking(interval: Moving) -> bool:
    """Walking cadence at walking speed (or with no speed to say otherwise)."""
    return walking(interval.speed_mps, interval.spm)


def walking(speed_mps: float | None, spm: float | None) -> bool:
    """`is_walking` of the values themselves, for a loop over many intervals."""
    slow = speed_mps is None or speed_mps < WALKING_BELOW_MPS
    return spm is not None and spm < WALKING_BELOW_SPM and slow


def guess_sport(intervals: Sequence[Moving]) -> Sport:
    """The sport the recording looks like (RUNNING when nothing speaks against it)."""
    speed = _median([(i.speed_mps, i.seconds) for i in intervals if i.speed_mps is not None])
    if speed is not None and speed > MOTOR_SPEED_MPS:
        return Sport.OTHER
    if speed is not None and speed > RIDE_SPEED_MPS:
        return Sport.CYCLING
    pedalled = [
        (i.cadence_raw, i.seconds)
        for i in intervals
        if i.cadence_raw is not None and i.speed_mps is not None
    ]
    cadence = _median(pedalled)
    if (
        speed is not None
        and cadence is not None
        and speed >= PEDALLING_FROM_MPS
        and cadence < RAW_CADENCE_MAX
        and speed * 60 / cadence > PEDALLING_TURN_M
    ):
        return Sport.CYCLING
    if speed is not None and speed < WALKING_BELOW_MPS:
        steps = _median([(i.spm, i.seconds) for i in intervals if i.spm is not None])
        if steps is None or steps < WALKING_BELOW_SPM:
            return Sport.WALKING
    return Sport.RUNNING
