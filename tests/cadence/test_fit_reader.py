"""The FIT reader that decodes only what cadence needs reads what fitdecode reads.

`parse_fit` walks FIT files itself (`coaching.cadence.fit._FastReader`) and
hands anything it does not model to fitdecode. These tests hold the two to
the same records, sessions, sport, times and damage, on real watch files
whole, cut at many points and with bytes overwritten, and on chained files;
and `parse_fit` to what it gave when fitdecode read every file.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import struct
from collections.abc import Iterator

import fitdecode  # type: ignore[import-untyped]
import pytest
from fitdecode.utils import compute_crc  # type: ignore[import-untyped]

from coaching.cadence import CadenceUnit, ParsedRun, Reason, RunFileError, fit
from coaching.cadence.fit_records import RawRecord, merge_by_time
from tests.cadence.runfiles import RunPlan, fit_bytes, standard_run
from tests.cadence.watchfiles import real, relative_fit, suunto_fit

START = dt.datetime(2026, 3, 1, 7, 0, tzinfo=dt.UTC)
SMALL = ["garmin-fenix-5-run.fit", "garmin-edge-820-bike.fit"]
LARGE = [
    "outdoor_half_marathon.FIT",
    "treadmill_12km.FIT",
    "Zwift_Zwift_Fast_Fridays_Bologna_Time_Trial_E_.fit",  # packed speed and distance
]


def _files() -> dict[str, bytes]:
    plan = RunPlan(START).run(300, 3.0, 170.0)
    return {
        **{name: real(name) for name in SMALL + LARGE},
        "generated": fit_bytes(standard_run(START)),
        "suunto, an empty record a second": suunto_fit(plan, empty_first=True),
        "power-on times": relative_fit(plan, power_on_s=3600),
        "power-on times, correlated": relative_fit(plan, power_on_s=600, correlate_at=START),
    }


FILES = _files()


def _variants(name: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    """The file, cut at many points and with a few bytes overwritten (a fixed seed).

    Fewer variants of the large files: fitdecode takes about a second on each.
    """
    rng = random.Random(name)
    many = len(data) < 20_000
    yield "whole", data
    cuts = {1, 11, 12, 13, 14, 15, 40, len(data) - 2, len(data) - 1} if many else set()
    cuts |= {rng.randrange(1, len(data)) for _ in range(30 if many else 2)}
    for cut in sorted(cuts):
        yield f"cut at {cut}", data[:cut]
    for attempt in range(30 if many else 1):
        damaged = bytearray(data)
        for _ in range(rng.choice((1, 2, 4))):
            damaged[rng.randrange(len(data))] = rng.randrange(256)
        yield f"overwritten #{attempt}", bytes(damaged)


def _seen(reading: fit._Reading) -> tuple[object, ...]:
    clock = reading.clock
    return (
        list(reading.records),
        reading.sessions,
        reading.sport_message,
        reading.created,
        clock.correlation,
        clock.absolute_start,
        reading.damage is not None,
    )


def _reference(data: bytes, reading: fit._Reading | None = None) -> ParsedRun | Reason:
    """parse_fit as it was when fitdecode read every file (or the reason it refused)."""
    try:
        reading = reading or fit._read_with_fitdecode(data)
        if not data:
            return Reason.EMPTY
        if reading.damage is not None and not reading.records:
            return Reason.CORRUPT
        clock = reading.clock
        clock.started(reading.created)
        placed, known = clock.place(RawRecord(*row) for row in reading.records)
        sport, samples = fit._running_part(
            reading.sessions, reading.sport_message, merge_by_time(placed), clock
        )
        if not samples:
            return Reason.EMPTY
    except Exception:  # fitdecode failing other than with a FitError: a corrupt file
        return Reason.CORRUPT
    return ParsedRun(
        "fit",
        sport,
        tuple(samples),
        CadenceUnit.STRIDES,
        partial=reading.damage is not None,
        clock_known=known,
    )


def _parsed(data: bytes) -> ParsedRun | Reason:
    try:
        return fit.parse_fit(data)
    except RunFileError as exc:
        return exc.reason
    except Exception:
        return Reason.CORRUPT


@pytest.mark.parametrize("name", list(FILES))
def test_both_readers_find_the_same_and_parse_fit_gives_what_it_gave(name: str) -> None:
    compared = 0
    for variant, data in _variants(name, FILES[name]):
        try:
            reference = fit._read_with_fitdecode(data)
        except Exception:  # not a FitError: the fast reader must hand such a file over
            with pytest.raises(fit._Unusual):
                fit._FastReader(data).read()
            assert _parsed(data) is Reason.CORRUPT, variant
            continue
        seen = _seen(reference)
        assert _parsed(data) == _reference(data, reference), variant
        try:
            fast = fit._FastReader(data).read()
        except fit._Unusual:
            continue  # read by fitdecode itself: nothing more to compare
        assert _seen(fast) == seen, variant
        compared += 1
    assert compared > 0


def test_the_usual_files_are_read_without_fitdecode() -> None:
    for name in [*SMALL, *LARGE, "generated"]:
        fit._FastReader(FILES[name]).read()  # no _Unusual


def _moved(data: bytes, seconds: int) -> bytes:
    """One of our generated files with every timestamp (record and session) moved on."""
    moved = bytearray(data)
    for at in _timestamp_offsets(data):
        (value,) = struct.unpack_from("<I", moved, at)
        struct.pack_into("<I", moved, at, value + seconds)
    struct.pack_into("<H", moved, len(moved) - 2, fit.crc16(bytes(moved), 0, len(moved) - 2))
    return bytes(moved)


def _timestamp_offsets(data: bytes) -> list[int]:
    found = []
    with fitdecode.FitReader(io.BytesIO(data), keep_raw_chunks=True) as reader:
        for frame in reader:
            if not isinstance(frame, fitdecode.FitDataMessage):
                continue
            at = frame.chunk.offset + 1
            for field in frame.fields:
                if field.field_def is None:
                    continue
                kind = getattr(getattr(field.field, "type", None), "name", None)
                if kind == "date_time" and field.field_def.size == 4 and field.raw_value:
                    found.append(at)
                at += field.field_def.size
    return found


def test_chained_activities_are_read_one_after_another() -> None:
    one = fit_bytes(RunPlan(START).run(600, 3.0, 172.0))
    two_days = 2 * 24 * 3600
    chained = one + _moved(one, two_days) + _moved(one, 2 * two_days)
    run = fit.parse_fit(chained)
    single = fit.parse_fit(one)
    assert len(run.samples) == 3 * len(single.samples)
    assert run.samples[-1].time - single.samples[-1].time == dt.timedelta(seconds=2 * two_days)
    assert not run.partial and _parsed(chained) == _reference(chained)


def test_a_damaged_activity_in_a_chain_keeps_the_ones_before_it() -> None:
    one = fit_bytes(RunPlan(START).run(600, 3.0, 172.0))
    second = bytearray(_moved(one, 2 * 24 * 3600))
    second[len(second) // 2] ^= 0xFF  # its checksum no longer holds
    chained = one + bytes(second) + _moved(one, 4 * 24 * 3600)
    run = fit.parse_fit(chained)
    assert run.partial
    assert run.samples[0] == fit.parse_fit(one).samples[0]
    assert _parsed(chained) == _reference(chained)


@pytest.mark.parametrize("length", [0, 1, 2, 3, 255, 1000, 4097])
def test_the_checksum_is_fits(length: int) -> None:
    data = random.Random(length).randbytes(length)
    assert fit.crc16(data, 0, length) == (compute_crc(data) if length else 0)
    if length > 3:
        assert fit.crc16(data, 1, length - 1) == compute_crc(data, start=1, end=length - 1)
