"""Running cadence from the athlete's watch files: FIT, GPX and TCX.

Parsing and analysis are pure and blocking (call `analyse_file` through
`asyncio.to_thread`); `store` keeps the results per athlete. Anything wrong
with a file is a `RunFileError` whose `reason` the bot turns into a message.

    analysis = analyse_file("morning.fit", data)   # CadenceAnalysis
    await save_run(session, athlete_id, analysis, now)
"""

from __future__ import annotations

from coaching.cadence.advice import cadence_tips
from coaching.cadence.analysis import (
    TARGET_HIGH,
    TARGET_LOW,
    CadenceAnalysis,
    PaceBand,
    Zone,
    analyse,
    shown_spm,
    zone_of,
)
from coaching.cadence.errors import Reason, RunFileError
from coaching.cadence.fit import parse_fit
from coaching.cadence.gpx import parse_gpx
from coaching.cadence.samples import CadenceUnit, ParsedRun, Sample
from coaching.cadence.store import latest_cadence, recent_runs, save_run
from coaching.cadence.tcx import parse_tcx

MAX_FILE_BYTES = 10 * 1024 * 1024
EXTENSIONS = (".fit", ".gpx", ".tcx")
PARSERS = {".fit": parse_fit, ".gpx": parse_gpx, ".tcx": parse_tcx}


def extension(filename: str | None) -> str | None:
    """The supported extension of a file name (lower-case), or None."""
    name = (filename or "").strip().lower()
    return next((ext for ext in EXTENSIONS if name.endswith(ext)), None)


def read_run_file(filename: str | None, data: bytes) -> ParsedRun:
    """Parse by extension; any failure of the third-party parsers becomes CORRUPT."""
    ext = extension(filename)
    if ext is None:
        raise RunFileError(Reason.UNSUPPORTED, filename or "")
    if len(data) > MAX_FILE_BYTES:
        raise RunFileError(Reason.TOO_LARGE, f"{len(data)} bytes")
    if not data:
        raise RunFileError(Reason.EMPTY)
    try:
        return PARSERS[ext](data)
    except RunFileError:
        raise
    except Exception as exc:  # untrusted bytes: a parser may fail in any way
        raise RunFileError(Reason.CORRUPT, f"{type(exc).__name__}: {exc}") from exc


def analyse_file(filename: str | None, data: bytes) -> CadenceAnalysis:
    """Parse and analyse one file. Blocking: run it in a thread."""
    return analyse(read_run_file(filename, data))


__all__ = [
    "EXTENSIONS",
    "MAX_FILE_BYTES",
    "TARGET_HIGH",
    "TARGET_LOW",
    "CadenceAnalysis",
    "CadenceUnit",
    "PaceBand",
    "ParsedRun",
    "Reason",
    "RunFileError",
    "Sample",
    "Zone",
    "analyse",
    "analyse_file",
    "cadence_tips",
    "extension",
    "latest_cadence",
    "parse_fit",
    "parse_gpx",
    "parse_tcx",
    "read_run_file",
    "recent_runs",
    "save_run",
    "shown_spm",
    "zone_of",
]
