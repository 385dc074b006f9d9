"""Every figure `analyse` gives for the real files, exactly, and the cases built from them.

`analysis_figures.json` holds what the analysis gave when it worked on one
object per interval: a change made for speed must give the same figures to the
last bit, pace bands and chart included. Regenerate it only for a change meant
to alter the figures: `python -m tests.cadence.analysis_figures`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

from coaching.cadence import RunFileError, analyse, read_run_file
from coaching.cadence.samples import ParsedRun
from tests.cadence.watchfiles import real

FIGURES = Path(__file__).parent / "analysis_figures.json"
FILES = [
    "treadmill_12km.FIT",
    "outdoor_half_marathon.FIT",
    "garmin-fenix-5-run.fit",
    "garmin-edge-820-bike.fit",
    "Zwift_Zwift_Fast_Fridays_Bologna_Time_Trial_E_.fit",
    "korita-zbevnica.gpx",
    "cerknicko-jezero.gpx",
]


def variants(run: ParsedRun) -> dict[str, ParsedRun]:
    """The file as read, unlabelled, its first half, twice over (a longer chart to thin),
    and with its cadence unit to be inferred."""
    later = [dataclasses.replace(s, time=s.time + dt.timedelta(days=2)) for s in run.samples]
    return {
        "as read": run,
        "no sport label": dataclasses.replace(run, sport=None),
        "first half": dataclasses.replace(run, samples=run.samples[: len(run.samples) // 2]),
        "twice over": dataclasses.replace(run, samples=(*run.samples, *later)),
        "unit from range": dataclasses.replace(run, cadence_unit=None),
    }


def figures(run: ParsedRun) -> Any:
    """The analysis as JSON-ready data (floats keep every bit), or the refusal."""
    try:
        result = analyse(run)
    except RunFileError as error:
        return {"refused": error.reason.value, "detail": str(error)}
    return json.loads(json.dumps(dataclasses.asdict(result), default=str))


def all_figures() -> dict[str, Any]:
    found = {}
    for name in FILES:
        for label, run in variants(read_run_file(name, real(name))).items():
            found[f"{name}, {label}"] = figures(run)
    return found


if __name__ == "__main__":
    FIGURES.write_text(json.dumps(all_figures(), indent=1, sort_keys=True) + "\n")
