"""FIT activity files (Garmin, Coros, Suunto, Wahoo...), decoded with fitdecode.

Running cadence in FIT is strides per minute (one foot), with the half strides
in `fractional_cadence`: steps/min = 2 × (cadence + fractional_cadence), so a
record of 85 + 0.5 is 171 steps/min, as Garmin Connect shows it.

A file cut short, or missing or failing its final checksum, still holds every
record written before the damage: those are kept and the run is marked
`partial`, so the athlete is told only part of the file was read. Records of
the same second are merged and power-on-relative timestamps placed
(`fit_records`).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import fitdecode  # type: ignore[import-untyped]

from coaching.cadence.errors import Reason, RunFileError
from coaching.cadence.fit_records import Clock, Moment, RawRecord, merge_by_time, relative_seconds
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
    start: object
    end: object
    """As decoded: UTC, or seconds since power-on (placed by the `Clock`)."""


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
    records: list[RawRecord] = []
    sessions: list[_Session] = []
    sport_message: str | None = None
    clock = Clock()
    created: object = None
    partial = False
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
                    record = _record(frame)
                    if record is not None:
                        records.append(record)
                elif frame.name == "session":
                    start = _field(frame, "start_time")
                    clock.started(_time(start))
                    sessions.append(
                        _Session(
                            sport=_label(_field(frame, "sport")),
                            start=start,
                            end=_field(frame, "timestamp"),
                        )
                    )
                elif frame.name == "sport" and sport_message is None:
                    sport_message = _label(_field(frame, "sport"))
                elif frame.name == "timestamp_correlation":
                    clock.correlate(
                        _time(_field(frame, "timestamp")), _field(frame, "system_timestamp")
                    )
                elif frame.name == "file_id" and created is None:
                    created = _time(_field(frame, "time_created"))
    except fitdecode.FitError as exc:
        if not records:
            raise RunFileError(Reason.CORRUPT, str(exc)) from exc
        partial = True  # cut short or a bad checksum: keep the complete records before it
    clock.started(created)
    placed, clock_known = clock.place(records)
    sport, samples = _running_part(sessions, sport_message, merge_by_time(placed), clock)
    if not samples:
        raise RunFileError(Reason.EMPTY, "no records with a time")
    return ParsedRun(
        "fit",
        sport,
        tuple(samples),
        CadenceUnit.STRIDES,
        partial=partial,
        clock_known=clock_known,
    )


def _moment(value: object) -> Moment | None:
    time = _time(value)
    return time if time is not None else relative_seconds(value)


def _record(frame: fitdecode.FitDataMessage) -> RawRecord | None:
    moment = _moment(_field(frame, "timestamp"))
    if moment is None:
        return None
    cadence = positive(_number(_field(frame, "cadence")))
    fraction = _number(_field(frame, "fractional_cadence")) or 0.0
    speed = _number(_field(frame, "enhanced_speed"))
    if speed is None:
        speed = _number(_field(frame, "speed"))
    return RawRecord(
        moment=moment,
        cadence_raw=None if cadence is None else cadence + max(0.0, fraction),
        distance_m=_number(_field(frame, "distance")),
        speed_mps=speed,
    )


def _running_part(
    sessions: list[_Session], sport_message: str | None, samples: list[Sample], clock: Clock
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

    legs = [(clock.moment(s.start), clock.moment(s.end)) for s in running]

    def in_running_leg(sample: Sample) -> bool:
        return any(
            start is not None and end is not None and start <= sample.time <= end
            for start, end in legs
        )

    return running[0].sport, [s for s in samples if in_running_leg(s)]
