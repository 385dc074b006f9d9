"""What the fast paths of reading and analysing give: the same as the slow ones, to the bit.

Issue 19 made the largest file read and analysed in half the time: a folded
checksum (`fit.crc16`), runs of records read a column at a time
(`_Definition.batch`), samples made from columns (`samples_of`), the analysis
a column at a time. These tests hold each to what it replaced: the checksum to
fitdecode's byte-by-byte CRC; batches to fitdecode and to the record-by-record
reader, on files written byte by byte here with what the real files seldom
have (big-endian records, signed fields, absent and zero values in the middle
of a run, times from power-on, compressed time headers, runs of every length,
files cut anywhere); the analysis of made-up runs to what it gave before
(`synthetic_figures`), as `test_analysis_unchanged` does for the real files.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import random
import struct
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from fitdecode.utils import compute_crc  # type: ignore[import-untyped]

from coaching.cadence import ParsedRun, Reason, RunFileError, Sample, fit
from coaching.cadence.samples import samples_of
from tests.cadence import synthetic_figures

ABSOLUTE_FROM = 0x10000000
UINT8, SINT8, UINT16, UINT32, SINT32, ENUM = 0x02, 0x01, 0x84, 0x86, 0x85, 0x00
FORMATS = {UINT8: "B", SINT8: "b", UINT16: "H", UINT32: "I", SINT32: "i", ENUM: "B"}
INVALID = {UINT8: 0xFF, SINT8: 0x7F, UINT16: 0xFFFF, UINT32: 0xFFFFFFFF, SINT32: 0x7FFFFFFF}


# ------------------------------------------------------------------ the checksum


@pytest.mark.parametrize(
    "length", [8192, 8193, 8194, 32767, 32768, 32769, 40_001, 100_003, 1_048_576, 3_000_017]
)
def test_the_folded_checksum_is_fits(length: int) -> None:
    data = random.Random(length).randbytes(length)
    assert fit.crc16(data, 0, length) == compute_crc(data)
    assert fit.crc16(data, 7, length - 3) == compute_crc(data, start=7, end=length - 3)


def test_the_folded_checksum_sees_every_bit() -> None:
    rng = random.Random(19)
    for length in (9000, 65_536, 300_001):
        for _ in range(12):
            data = bytearray(rng.randbytes(length))
            before = fit.crc16(bytes(data), 0, length)
            data[rng.randrange(length)] ^= 1 << rng.randrange(8)
            after = fit.crc16(bytes(data), 0, length)
            assert after == compute_crc(bytes(data)) and after != before


# ------------------------------------------------------------------ samples from columns


def test_samples_from_columns_are_the_constructors() -> None:
    rows = [
        (dt.datetime(2026, 3, 1, 7, 0, second, tzinfo=dt.UTC), cadence, distance, speed)
        for second, cadence, distance, speed in [
            (0, None, None, None),
            (1, 85.5, 3.25, 3.1),
            (2, 86.0, None, 0.0),
        ]
    ]
    made = samples_of(*(list(column) for column in zip(*rows, strict=True)))
    assert made == [Sample(*row) for row in rows]
    assert [repr(sample) for sample in made] == [repr(Sample(*row)) for row in rows]
    with pytest.raises(AttributeError):
        made[0].cadence_raw = 1.0  # type: ignore[misc]
    assert hash(made[1]) == hash(Sample(*rows[1]))


def test_samples_from_columns_leave_the_collector_as_it_was() -> None:
    assert gc.isenabled()
    samples_of([], [], [], [])
    assert gc.isenabled()
    gc.disable()
    try:
        samples_of([], [], [], [])
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(ValueError, match="lengths"):
        samples_of([], [1.0], [], [])


# ------------------------------------------------------------------ FIT files, byte by byte


class _Writer:
    """A FIT activity's messages, written as the format lays them out."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.messages: list[bytes] = []
        self.layouts: dict[int, tuple[str, list[tuple[int, int]]]] = {}  # local → endian, fields

    def define(self, local: int, number: int, fields: list[tuple[int, int]], big: bool) -> None:
        endian = ">" if big else "<"
        content = struct.pack(f"{endian}BBHB", 0, int(big), number, len(fields))
        for field_number, base in fields:
            content += bytes((field_number, struct.calcsize(FORMATS[base]), base))
        self.messages.append(bytes((0x40 | local,)) + content)
        self.layouts[local] = (endian, fields)

    def data(self, local: int, values: list[int], offset: int | None = None) -> None:
        endian, fields = self.layouts[local]
        header = local if offset is None else 0x80 | local << 5 | offset & 0x1F
        packed = b"".join(
            struct.pack(endian + FORMATS[base], value)
            for (_, base), value in zip(fields, values, strict=True)
        )
        self.messages.append(bytes((header,)) + packed)

    def file(self) -> bytes:
        body = b"".join(self.messages)
        header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(body), b".FIT")
        header += struct.pack("<H", compute_crc(header))
        data = header + body
        return data + struct.pack("<H", compute_crc(data))


RECORD_FIELDS = [  # number, possible base types
    (253, (UINT32,)),  # timestamp
    (4, (UINT8, UINT8, SINT8)),  # cadence
    (53, (UINT8, UINT8, SINT8)),  # fractional_cadence
    (5, (UINT32, UINT32, SINT32)),  # distance
    (6, (UINT16,)),  # speed
    (73, (UINT32,)),  # enhanced_speed
    (3, (UINT8,)),  # heart rate: not read, skipped by its size
]


def _record_layout(rng: random.Random) -> list[tuple[int, int]]:
    chosen = [(number, rng.choice(bases)) for number, bases in RECORD_FIELDS if rng.random() < 0.8]
    rng.shuffle(chosen)
    return chosen or [(253, UINT32)]


def _value(rng: random.Random, number: int, base: int, second: int) -> int:
    """A field's value: mostly a plausible one, now and then absent, 0 or negative."""
    roll = rng.random()
    if base in INVALID and roll < 0.04:
        return INVALID[base]
    if number == 253:
        return second
    if roll < 0.08:
        return 0
    if base in (SINT8, SINT32) and roll < 0.12:
        return -rng.randrange(1, 100)
    top = {UINT8: 200, SINT8: 120, UINT16: 60_000, UINT32: 10_000_000, SINT32: 10_000_000}
    return rng.randrange(1, top[base])


def _activity(seed: int) -> bytes:
    """Records in runs of every length, between other messages and redefinitions."""
    rng = random.Random(seed)
    writer = _Writer(rng)
    writer.define(0, 0, [(0, ENUM), (4, UINT32)], big=False)  # file_id: type, time_created
    writer.data(0, [4, 1_100_000_000])
    second = rng.choice([1_100_000_000, 3_600, 1_100_000_000])  # UTC, or from power-on
    for _ in range(rng.randrange(1, 6)):
        big = rng.random() < 0.4
        local = rng.randrange(4)
        layout = _record_layout(rng)
        writer.define(local, 20, layout, big)
        for _ in range(rng.choice([1, 3, 4, 15, 16, 17, 100, 128, 129, 1100])):
            second += 1
            if rng.random() < 0.01:  # back in time; or from power-on onto the calendar
                second += -5 if second >= ABSOLUTE_FROM or rng.random() < 0.5 else ABSOLUTE_FROM
            values = [_value(rng, number, base, second) for number, base in layout]
            compressed = rng.random() < 0.05
            writer.data(local, values, second if compressed else None)
            if rng.random() < 0.01:  # an event between records (timestamp, event, type)
                writer.define(5, 21, [(253, UINT32), (0, ENUM), (1, ENUM)], big=not big)
                writer.data(5, [second, 0, 4])
        if rng.random() < 0.7:  # records timed by their headers only, after the run
            untimed = [field for field in layout if field[0] != 253] or [(3, UINT8)]
            writer.define(local, 20, untimed, big)
            for _ in range(rng.randrange(1, 5)):
                second += rng.randrange(1, 20)
                values = [_value(rng, number, base, second) for number, base in untimed]
                writer.data(local, values, second)
    return writer.file()


def _activities() -> Iterator[tuple[str, bytes]]:
    for seed in range(40):
        data = _activity(seed)
        yield f"#{seed}", data
        rng = random.Random(-seed)
        for cut in sorted(rng.randrange(15, len(data)) for _ in range(3)):
            yield f"#{seed} cut at {cut}", data[:cut]
    yield "chained", _activity(100) + _activity(101)


ACTIVITIES = dict(_activities())


def _found(reading: fit._Reading) -> tuple[object, ...]:
    return (reading.records, reading.relative, reading.damage is not None)


def _parsed(data: bytes) -> ParsedRun | Reason:
    try:
        return fit.parse_fit(data)
    except RunFileError as exc:
        return exc.reason


@pytest.mark.parametrize("name", list(ACTIVITIES))
def test_batches_read_what_fitdecode_and_the_record_by_record_reader_read(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = ACTIVITIES[name]
    batched = fit._FastReader(data).read()
    reference = fit._read_with_fitdecode(data)
    assert _found(batched) == _found(reference)
    in_batches = _parsed(data)
    monkeypatch.setattr(fit, "BATCH_FROM", 10**9)  # every record by itself
    one_by_one = fit._FastReader(data).read()
    assert _found(one_by_one) == _found(batched)
    assert _parsed(data) == in_batches


def test_the_files_here_have_what_the_batches_must_handle() -> None:
    readings = [fit._FastReader(data).read() for data in ACTIVITIES.values()]
    records = [row for reading in readings for row in reading.records]
    assert len(records) > 20_000
    assert any(reading.relative for reading in readings)
    assert any(not reading.relative and reading.records for reading in readings)
    assert any(row[1] is None for row in records) and any(row[2] is None for row in records)
    assert any(reading.damage for reading in readings)


@pytest.mark.parametrize("run", [1, 15, 16, 17, 128, 129, 1000, 5000])
def test_runs_of_the_same_header_are_counted_to_the_first_other_one(run: int) -> None:
    stride = 7
    message = bytes((3,)) + bytes(stride - 1)
    data = message * run + bytes((4,)) + message * 3
    assert fit._same_headers(data, 0, stride, len(data)) == run
    assert fit._same_headers(data, 0, stride, run * stride - 1) == run - 1  # the last one cut
    assert fit._same_headers(message * run, 0, stride, run * stride) == run


# ------------------------------------------------------------------ the analysis


SYNTHETIC = json.loads(synthetic_figures.FIGURES.read_text())


@cache
def found() -> dict[str, Any]:
    """The figures now, worked out once and only when a test here asks (3.5 s): not while
    pytest collects, which every run does, whatever tests it then runs."""
    return synthetic_figures.all_figures()


@pytest.mark.parametrize("case", sorted(SYNTHETIC))
def test_made_up_runs_give_the_figures_they_gave(case: str) -> None:
    assert found()[case] == SYNTHETIC[case]


def test_every_made_up_run_is_checked() -> None:
    assert sorted(found()) == sorted(SYNTHETIC)
