"""Running cadence from the athlete's watch files: FIT, GPX and TCX.

Parsing and analysis are pure and blocking, and they read untrusted bytes: run
`analyse_file` in `analysis_pool()`, worker processes under CPU, memory and
time limits, so that a file that trips a parser costs a worker, not the bot.
`store` keeps the results per athlete. Anything wrong with a file is a
`RunFileError` whose `reason` the bot turns into a message (and, for a file
that is not a run, whose `sport` names what it looked like); a worker that
hit a limit or died raises a `WorkerFailure` (the file is too complex to
read). An analysis says what the athlete should also be told: `partial` (only
part of a damaged file was read), `steps_share` (the unit decided part by
part), `walking_s` (walking left out) and `clock_known` (no date in the file).

    analysis = await analysis_pool().run_for(athlete_id, analyse_file, "morning.fit", data)
    await save_run(session, athlete_id, analysis, now)
"""

from __future__ import annotations

import threading

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
from coaching.cadence.sports import Sport, sport_of
from coaching.cadence.store import latest_cadence, recent_runs, save_run
from coaching.cadence.tcx import parse_tcx
from coaching.cadence.worker import (
    Crashed,
    Limits,
    TimedOut,
    TooComplex,
    WorkerFailure,
    WorkerPool,
)

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
    except (RunFileError, MemoryError):
        raise  # out of memory is the worker's limit: the worker must be replaced
    except RecursionError as exc:
        raise RunFileError(Reason.TOO_COMPLEX, "nested too deep for the parser") from exc
    except Exception as exc:  # untrusted bytes: a parser may fail in any way
        raise RunFileError(Reason.CORRUPT, f"{type(exc).__name__}: {exc}") from exc


def analyse_file(filename: str | None, data: bytes) -> CadenceAnalysis:
    """Parse and analyse one file. Blocking and untrusted: run it in `analysis_pool()`."""
    return analyse(read_run_file(filename, data))


ANALYSIS_WORKERS = 2
"""Analyses at once; more wait their turn. Workers run niced, so the bot answers first."""
ANALYSIS_LIMITS = Limits(cpu_seconds=20, memory_bytes=512 * 1024 * 1024, wall_seconds=60.0)
"""The largest FIT accepted (10 MB, some 690,000 records) takes about 2.5 s of CPU and
430 MB; a 10 MB GPX or TCX about 1.5 s. The wall clock allows for waiting on a busy machine."""

_pool: WorkerPool | None = None
_pool_lock = threading.Lock()


def analysis_pool() -> WorkerPool:
    """The process' pool of analysis workers, created on first use (workers start lazily)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = WorkerPool(ANALYSIS_WORKERS, ANALYSIS_LIMITS, preload=("coaching.cadence",))
        return _pool


def close_analysis_pool() -> None:
    """Stop the workers (at shutdown); the next `analysis_pool()` starts a fresh pool."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.close()


__all__ = [
    "ANALYSIS_LIMITS",
    "ANALYSIS_WORKERS",
    "close_analysis_pool",
    "EXTENSIONS",
    "MAX_FILE_BYTES",
    "TARGET_HIGH",
    "TARGET_LOW",
    "CadenceAnalysis",
    "CadenceUnit",
    "Crashed",
    "Limits",
    "PaceBand",
    "ParsedRun",
    "Reason",
    "RunFileError",
    "Sample",
    "Sport",
    "TimedOut",
    "TooComplex",
    "WorkerFailure",
    "WorkerPool",
    "Zone",
    "analyse",
    "analyse_file",
    "analysis_pool",
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
    "sport_of",
    "zone_of",
]
