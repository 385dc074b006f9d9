"""Files built to hurt the reader are refused with a clear reason, early, in little memory.

"Early" is counted, not timed: how many elements the reader was given before
it refused the file (each element is visited once, so work is linear). Memory
is the peak of Python allocations while reading (expat's included), which
must not grow with the file. Then the same files go through a worker process
under tight CPU and memory limits, where the previous readers crashed the
process or ran out of CPU time and memory: now the file's own reason comes
back, not a limit.
"""

from __future__ import annotations

import datetime as dt
import tracemalloc
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from xml.etree import ElementTree

import pytest

from coaching import cadence
from coaching.cadence import (
    ParsedRun,
    Reason,
    RunFileError,
    analyse,
    analyse_file,
    gpx,
    parse_tcx,
    read_run_file,
    tcx,
    xmlsafe,
)
from coaching.cadence.worker import Limits, MiB, WorkerPool
from coaching.cadence.xmlsafe import MAX_DEPTH, MAX_ELEMENTS, XmlReader, read_xml
from tests.cadence.hostile import (
    BILLION_LAUGHS,
    EXTERNAL_DTD_GPX,
    EXTERNAL_ENTITY_TCX,
    EXTERNAL_PARAMETER_ENTITY_GPX,
    QUADRATIC_BLOWUP,
    UNDECLARED_ENTITY_GPX,
    deep_extensions_gpx,
    many_elements_gpx,
    nested_activities_tcx,
)
from tests.cadence.runfiles import gpx_bytes, standard_run, tcx_bytes

START = dt.datetime(2026, 5, 1, 6, 0, tzinfo=dt.UTC)
READING_MEMORY = 2 * MiB
"""Peak allocations while refusing a file: a few open elements and one chunk, whatever its size."""


@dataclass
class Counted:
    """A format's reader, counting the elements it is given."""

    reader: XmlReader
    elements: int = 0

    def start(self, name: str, attrs: Mapping[str, str]) -> None:
        self.elements += 1
        self.reader.start(name, attrs)

    def end(self, name: str, text: str | None) -> None:
        self.reader.end(name, text)


@dataclass
class Visits:
    readings: list[Counted] = field(default_factory=list)

    @property
    def elements(self) -> int:
        return sum(counted.elements for counted in self.readings)


@pytest.fixture
def visits(monkeypatch: pytest.MonkeyPatch) -> Iterator[Visits]:
    seen = Visits()

    def counting(data: bytes, reader: XmlReader, **limits: int) -> None:
        counted = Counted(reader)
        seen.readings.append(counted)
        xmlsafe.read_xml(data, counted, **limits)

    monkeypatch.setattr(gpx, "read_xml", counting)
    monkeypatch.setattr(tcx, "read_xml", counting)
    yield seen


def refused(filename: str, data: bytes) -> tuple[RunFileError, int]:
    """The error reading the file raised, and the peak of memory allocated meanwhile."""
    tracemalloc.start()
    try:
        with pytest.raises(RunFileError) as caught:
            read_run_file(filename, data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return caught.value, peak


def elements_in(data: bytes) -> int:
    return sum(1 for _ in ElementTree.fromstring(data).iter())


def test_200000_nested_elements_in_extensions_are_too_complex(visits: Visits) -> None:
    data = deep_extensions_gpx(200_000)
    assert len(data) > 1_400_000
    error, peak = refused("deep.gpx", data)
    assert error.reason is Reason.TOO_COMPLEX
    assert f"nested over {MAX_DEPTH} levels" in error.detail
    # Refused when element 65 would open: read were the 64 open ones, <type> and <time>.
    assert visits.elements == MAX_DEPTH + 2
    assert peak < READING_MEMORY


def test_nested_activities_are_too_complex(visits: Visits) -> None:
    small, large = nested_activities_tcx(1_100), nested_activities_tcx(11_000)
    assert len(small) > 450_000 and len(large) > 4_500_000
    for data in (small, large):
        error, peak = refused("nested.tcx", data)
        assert error.reason is Reason.TOO_COMPLEX
        assert peak < READING_MEMORY
    # Refused at the same element in both: the work does not grow with the file.
    assert visits.readings[0].elements == visits.readings[1].elements < 13 * MAX_DEPTH


def test_nested_activities_within_the_depth_limit_count_each_trackpoint_once(
    visits: Visits,
) -> None:
    data = nested_activities_tcx(40, 300)  # 3.7 MB; each activity inside the one before
    assert len(data) > 3_500_000
    run = parse_tcx(data)
    assert visits.elements == elements_in(data)  # every element once, none again
    assert len(run.samples) == 40 * 300
    assert run.sport == "Running"
    result = analyse(run)
    assert result.duration_s == 40 * 300 - 1
    assert result.avg_cadence_spm == pytest.approx(170.0)


def test_a_million_elements_are_too_many(visits: Visits) -> None:
    with pytest.raises(RunFileError) as caught:
        read_run_file("many.gpx", many_elements_gpx(MAX_ELEMENTS + 1))
    assert caught.value.reason is Reason.TOO_COMPLEX
    assert "too many XML elements" in caught.value.detail
    assert visits.elements <= MAX_ELEMENTS  # the gpx element's attributes count too
    # Memory: the worker test below reads it in 64 MiB (tracing a million allocations is slow).


def test_many_elements_under_the_limit_are_read() -> None:
    with pytest.raises(RunFileError) as caught:
        read_run_file("many.gpx", many_elements_gpx(MAX_ELEMENTS // 2))
    assert caught.value.reason is Reason.EMPTY  # read to the end: no track points in it


class Ignore:
    def start(self, name: str, attrs: Mapping[str, str]) -> None:
        pass

    def end(self, name: str, text: str | None) -> None:
        pass


def test_attributes_count_towards_the_element_limit() -> None:
    data = b'<a b="1" c="2" d="3"/>'
    read_xml(data, Ignore(), max_elements=4)
    with pytest.raises(RunFileError) as caught:
        read_xml(data, Ignore(), max_elements=3)
    assert caught.value.reason is Reason.TOO_COMPLEX


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("bomb.gpx", BILLION_LAUGHS),
        ("quadratic.gpx", QUADRATIC_BLOWUP),
        ("xxe.tcx", EXTERNAL_ENTITY_TCX),
        ("remote.gpx", EXTERNAL_PARAMETER_ENTITY_GPX),
        ("dtd.gpx", EXTERNAL_DTD_GPX),
    ],
)
def test_document_type_declarations_are_refused_before_any_entity(
    visits: Visits, filename: str, data: bytes
) -> None:
    error, peak = refused(filename, data)
    assert error.reason is Reason.CORRUPT
    assert "document type declaration" in error.detail
    assert visits.elements == 0  # refused at the declaration, before the first element
    assert peak < READING_MEMORY


def test_an_entity_never_declared_is_refused() -> None:
    error, _ = refused("lol.gpx", UNDECLARED_ENTITY_GPX)
    assert error.reason is Reason.CORRUPT
    assert "undefined entity" in error.detail


def test_a_parser_out_of_memory_or_recursion_is_not_called_corrupt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker out of memory must be replaced: the MemoryError goes up, not into CORRUPT."""

    def exhausted(data: bytes) -> ParsedRun:
        raise MemoryError

    def recursing(data: bytes) -> ParsedRun:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setitem(cadence.PARSERS, ".fit", exhausted)
    with pytest.raises(MemoryError):
        read_run_file("run.fit", b"\x0e\x10")
    monkeypatch.setitem(cadence.PARSERS, ".fit", recursing)
    with pytest.raises(RunFileError) as caught:
        read_run_file("run.fit", b"\x0e\x10")
    assert caught.value.reason is Reason.TOO_COMPLEX


def test_ordinary_files_still_read_after_the_limits() -> None:
    assert read_run_file("run.gpx", gpx_bytes(standard_run(START))).samples
    assert read_run_file("run.tcx", tcx_bytes(standard_run(START))).samples


HOSTILE: list[tuple[str, Callable[[], bytes], Reason]] = [
    ("deep.gpx", lambda: deep_extensions_gpx(200_000), Reason.TOO_COMPLEX),
    ("nested.tcx", lambda: nested_activities_tcx(1_100), Reason.TOO_COMPLEX),
    ("nested-big.tcx", lambda: nested_activities_tcx(11_000), Reason.TOO_COMPLEX),
    ("many.gpx", lambda: many_elements_gpx(MAX_ELEMENTS + 1), Reason.TOO_COMPLEX),
    ("bomb.gpx", lambda: BILLION_LAUGHS, Reason.CORRUPT),
    ("quadratic.gpx", lambda: QUADRATIC_BLOWUP, Reason.CORRUPT),
]


async def test_hostile_files_are_refused_well_within_a_workers_limits() -> None:
    """A quarter of the bot's CPU budget and an eighth of its memory: plenty to refuse them.

    The previous readers needed minutes of CPU and gigabytes for the nested
    activities, and crashed the process on the nesting in extensions.
    """
    limits = Limits(cpu_seconds=5, memory_bytes=64 * MiB, wall_seconds=120.0)
    with WorkerPool(size=1, limits=limits, preload=("coaching.cadence",)) as pool:
        for filename, make, reason in HOSTILE:
            with pytest.raises(RunFileError) as caught:
                await pool.run(analyse_file, filename, make())
            assert caught.value.reason is reason, filename
        result = await pool.run(analyse_file, "run.tcx", tcx_bytes(standard_run(START)))
        assert result.duration_s == 1800
        assert pool.started == 1  # one worker read them all: none crashed or hit a limit
