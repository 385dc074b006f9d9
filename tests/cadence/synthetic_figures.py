"""Every figure `analyse` gives for made-up runs with what real files seldom have.

The real files (`analysis_figures`) have a distance on every sample, so they
go through the analysis' column-at-a-time paths only. These runs are made to
go everywhere else too: samples without distance, speed or cadence, distances
going back or not a number, two samples at once, gaps and pauses, walking,
cadence right on 170 and 180 and just off, smart recording, each cadence unit
and none.

`synthetic_figures.json` holds what the analysis gave for them before issue 19
(commit f3ca28d, one interval at a time); a change made for speed must give
the same figures to the last bit. Regenerate it only for a change meant to
alter the figures: `python -m tests.cadence.synthetic_figures`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from pathlib import Path
from typing import Any

from coaching.cadence import CadenceUnit, ParsedRun, Sample
from tests.cadence.analysis_figures import figures

FIGURES = Path(__file__).parent / "synthetic_figures.json"
START = dt.datetime(2026, 3, 1, 7, 0, tzinfo=dt.UTC)
UNITS = {"strides": CadenceUnit.STRIDES, "steps": CadenceUnit.STEPS, "inferred": None}


Missing = tuple[float, float, float]
"""The share of samples without a distance, a speed, a cadence."""
MISSING: dict[str, Missing] = {
    "everything recorded": (0.0, 0.0, 0.0),
    "a few gaps": (0.05, 0.05, 0.05),
    "speed, no distance": (1.0, 0.02, 0.02),
    "distance, no speed": (0.0, 1.0, 0.05),
    "distance now and then": (0.5, 0.0, 0.0),
}


def _run(seed: int, *, missing: Missing, smart: bool, walking: float, unit: str) -> ParsedRun:
    """About 40 minutes of samples: running, walking, standing, a pause, all of it noisy."""
    rng = random.Random(seed)
    samples = []
    at, distance = 0, 0.0
    for _ in range(2400):
        step = rng.choice((1, 2, 3, 5, 7)) if smart else 1
        roll = rng.random()
        if roll < 0.004:
            step = rng.choice((0, 31, 45, 600))  # two at once; a pause
        at += step
        walk = rng.random() < walking
        speed = rng.uniform(1.0, 1.8) if walk else rng.uniform(0.5, 5.5)
        distance += speed * step
        strides = rng.uniform(52, 64) if walk else rng.choice((85.0, 90.0, rng.uniform(78, 95)))
        if rng.random() < 0.02:
            strides += rng.choice((-1e-6, 1e-6, -2e-5, 2e-5))  # just off a bound
        cadence: float | None = strides if unit != "steps" else strides * 2
        metres: float | None = distance
        mps: float | None = speed
        no_distance, no_speed, no_cadence = missing
        if rng.random() < no_distance:
            metres = None
        if rng.random() < no_speed:
            mps = None
        if rng.random() < no_cadence:
            cadence = None
        if rng.random() < 0.003:
            metres = rng.choice((distance - 30.0, math.nan))  # back a little; not a number
        samples.append(Sample(START + dt.timedelta(seconds=at), cadence, metres, mps))
    return ParsedRun("fit", "running", tuple(samples), UNITS[unit])


def runs() -> dict[str, ParsedRun]:
    found = {}
    for seed in range(6):
        for label, missing in MISSING.items():
            for unit in UNITS:
                smart, walking = seed % 2 == 1, (0.0, 0.1, 0.6)[seed % 3]
                run = _run(seed, missing=missing, smart=smart, walking=walking, unit=unit)
                name = f"#{seed}, {label}, {unit}"
                found[name] = run
                found[f"{name}, no sport label"] = ParsedRun(
                    run.source, None, run.samples, run.cadence_unit
                )
    return found


def all_figures() -> dict[str, Any]:
    return {name: figures(run) for name, run in runs().items()}


if __name__ == "__main__":
    FIGURES.write_text(json.dumps(all_figures(), indent=1, sort_keys=True) + "\n")
