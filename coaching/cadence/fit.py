"""FIT activity files (Garmin, Coros, Suunto, Wahoo...), decoded with fitdecode.

Running cadence in FIT is strides per minute (one foot), with the half strides
in `fractional_cadence`: steps/min = 2 × (cadence + fractional_cadence), so a
record of 85 + 0.5 is 171 steps/min, as Garmin Connect shows it.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import fitdecode  # type: ignore[import-untyped]

from coaching.cadence.errors import Reason, RunFileError
from coaching.cadence.samples import (
    CadenceUnit,
    ParsedRun,
    Sample,
    as_utc,
    finite,
    positive,
    sport_kind,
)


@dataclass(frozen=True, slots=True)
class _Session:
    sport: str | None
    start: dt.datetime | None
    end: dt.datetime | None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return finite(float(value))


def _time(value: object) -> dt.datetime | None:
    return as_utc(value) if isinstance(value, dt.datetime) else None


def _label(value: object) -> str | None:
    return None if value is None else str(value)


def _field(message: fitdecode.FitDataMessage, name: str) -> object:
    return message.get_value(name, fallback=None) if message.has_field(name) else None


def parse_fit(data: bytes) -> ParsedRun:
    """Records of a FIT activity; raises RunFileError on bytes that are not a valid FIT file."""
    if not data:
        raise RunFileError(Reason.EMPTY)
    samples: list[Sample] = []
    sessions: list[_Session] = []
    sport_message: str | None = None
    try:
        with fitdecode.FitReader(
            io.BytesIO(data),
            check_crc=fitdecode.CrcCheck.RAISE,
            error_handling=fitdecode.ErrorHandling.RAISE,
        ) as reader:
            for frame in reader:
                if not isinstance(frame, fitdecode.FitDataMessage):
                    continue
                if frame.name == "record":
                    sample = _record(frame)
                    if sample is not None:
                        samples.append(sample)
                elif frame.name == "session":
                    sessions.append(
                        _Session(
                            sport=_label(_field(frame, "sport")),
                            start=_time(_field(frame, "start_time")),
                            end=_time(_field(frame, "timestamp")),
                        )
                    )
                elif frame.name == "sport" and sport_message is None:
                    sport_message = _label(_field(frame, "sport"))
    except fitdecode.FitError as exc:
        raise RunFileError(Reason.CORRUPT, str(exc)) from exc
    sport, samples = _running_part(sessions, sport_message, samples)
    if not samples:
        raise RunFileError(Reason.EMPTY, "no records with a time")
    samples.sort(key=lambda s: s.time)
    return ParsedRun("fit", sport, tuple(samples), CadenceUnit.STRIDES)


def _record(frame: fitdecode.FitDataMessage) -> Sample | None:
    time = _time(_field(frame, "timestamp"))
    if time is None:
        return None
    cadence = positive(_number(_field(frame, "cadence")))
    fraction = _number(_field(frame, "fractional_cadence")) or 0.0
    speed = _number(_field(frame, "enhanced_speed"))
    if speed is None:
        speed = _number(_field(frame, "speed"))
    return Sample(
        time=time,
        cadence_raw=None if cadence is None else cadence + max(0.0, fraction),
        distance_m=_number(_field(frame, "distance")),
        speed_mps=speed,
    )


def _running_part(
    sessions: list[_Session], sport_message: str | None, samples: list[Sample]
) -> tuple[str | None, list[Sample]]:
    """The sport to report and the records to analyse.

    A multisport file (a triathlon) has one session per leg: keep the records of
    the running legs only, so a bike leg's pedalling is not read as strides.
    """
    running = [s for s in sessions if sport_kind(s.sport) == "running"]
    if not running:
        first = sessions[0].sport if sessions else sport_message
        return first, samples
    if len(running) == len(sessions):
        return running[0].sport, samples

    def in_running_leg(sample: Sample) -> bool:
        return any(
            s.start is not None and s.end is not None and s.start <= sample.time <= s.end
            for s in running
        )

    return running[0].sport, [s for s in samples if in_running_leg(s)]
