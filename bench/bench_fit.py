"""The largest watch file we accept: a 10 MB FIT of several activities chained.

FIT allows files to follow one another in one upload. The file here is a real
Polar recording (`tests/cadence/real_files/outdoor_half_marathon.FIT`, 2 h at
one record a second) chained with itself as many times as fit under
`MAX_FILE_BYTES`, each copy two days after the one before (its timestamps
moved, its checksum recomputed), so it reads as a string of separate
activities, about 690,000 records in all.

Each reader analyses it in a fresh process, in turn, `--rounds` times: ours
(`coaching.cadence.fit`) and fitdecode's, which `parse_fit` used before. Then
the file goes through the bot's own analysis workers while the event loop
ticks every 10 ms: the longest tick shows whether the loop was ever blocked.

    python bench/bench_fit.py [--rounds 3] [--no-write]
    python bench/bench_fit.py --once fast|fitdecode FILE   # one timed analysis

`--no-write` prints the section instead of writing it into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fitdecode  # type: ignore[import-untyped]  # noqa: E402

from bench.common import median, stamp, write_section  # noqa: E402
from coaching import cadence  # noqa: E402
from coaching.cadence import fit  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tests" / "cadence" / "real_files" / "outdoor_half_marathon.FIT"
TWO_DAYS = 2 * 24 * 3600  # a multiple of 32 s: compressed timestamps stay as they are
WHERE_THE_TIME_WENT = """\
How it got here (issue 19: under 5 s). Reading: the checksum is folded (`fit.crc16`): x^32767
is 1 modulo FIT's CRC polynomial, so bits 32,767 apart weigh the same, and the file, read as one
integer, folds into 4 KB at C speed before the table walk: 0.30 s became 0.03 s. Runs of records
of one definition (a watch writes them back to back) are read a column at a time
(`_Definition.batch`), each field sliced out of the bytes every stride-th byte: no tuple and no
call a record. The samples are made from those columns (`samples.samples_of`), their slots
filled directly, with the cyclic garbage collector paused: it otherwise walked the growing heap
about ten times over (0.45 s). Analysis: whole columns through `map`, `compress` and
comprehensions instead of a step per interval; the pace bands take their columns in speed order
out of arrays, so that the sums read memory in order. Every figure is the same, bit for bit:
`tests/cadence/test_analysis_unchanged.py` (the real files) and `test_fast_paths.py` (made-up
runs, and files written byte by byte for the reader). Before, at 17:16 on an idle machine: read
3.13 s, read and analysed 5.00 s wall and CPU. The run of 19:03 shared the machine with another
test run on the other core; side by side with it, the code before took 4.58–4.80 s of CPU (read
2.8–3.0 s), this 2.33–2.39 s (read 1.0 s)."""


def _date_times(data: bytes) -> list[tuple[int, str]]:
    """(offset, struct format) of every absolute date_time field in a one-file FIT."""
    found = []
    with fitdecode.FitReader(io.BytesIO(data), keep_raw_chunks=True) as reader:
        for frame in reader:
            if not isinstance(frame, fitdecode.FitDataMessage):
                continue
            at = frame.chunk.offset + 1
            for data_field in frame.fields:
                definition = data_field.field_def
                if definition is None:
                    continue  # a component: not in the bytes
                kind = getattr(data_field.field, "type", None)
                raw = data_field.raw_value
                if (
                    getattr(kind, "name", None) == "date_time"
                    and definition.size == 4
                    and isinstance(raw, int)
                    and raw >= 0x10000000
                ):
                    found.append((at, frame.def_mesg.endian + "I"))
                at += definition.size
    return found


def chained_file() -> bytes:
    """The source activity, again and again two days apart, under MAX_FILE_BYTES."""
    source = SOURCE.read_bytes()
    fields = _date_times(source)
    copies = []
    for copy in range(cadence.MAX_FILE_BYTES // len(source)):
        moved = bytearray(source)
        for at, fmt in fields:
            (value,) = struct.unpack_from(fmt, moved, at)
            struct.pack_into(fmt, moved, at, value + copy * TWO_DAYS)
        struct.pack_into("<H", moved, len(moved) - 2, fit.crc16(bytes(moved), 0, len(moved) - 2))
        copies.append(bytes(moved))
    return b"".join(copies)


def once(reader: str, path: Path) -> dict[str, float]:
    """One reading and analysis of the file in this process, with the reader asked for."""
    data = path.read_bytes()
    if reader == "fitdecode":  # the reader parse_fit used before: fitdecode for every message
        fit._FastReader.read = lambda self: fit._read_with_fitdecode(self.data)  # type: ignore[method-assign]  # noqa: SLF001
    started, cpu = time.perf_counter(), time.process_time()
    run = cadence.read_run_file("chained.fit", data)
    read_wall, read_cpu = time.perf_counter() - started, time.process_time() - cpu
    analysis = cadence.analyse(run)
    return {
        "read_wall": read_wall,
        "read_cpu": read_cpu,
        "wall": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "spm": float(analysis.avg_cadence_spm),
        "hours": analysis.duration_s / 3600,
        "records": float(len(run.samples)),
        "mib": len(data) / 1024 / 1024,
    }


def timed_run(reader: str, path: Path) -> dict[str, float]:
    out = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--once", reader, str(path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"{reader:<10} read {result['read_wall']:6.2f} s wall, {result['read_cpu']:6.2f} s CPU; "
        f"read and analysed {result['wall']:6.2f} s wall, {result['cpu']:6.2f} s CPU "
        f"({result['records']:.0f} records, {result['hours']:.0f} h at {result['spm']:.0f} spm)",
        flush=True,
    )
    return result


async def through_the_workers(data: bytes) -> tuple[float, float]:
    """(seconds until the analysis came back, the event loop's longest tick meanwhile)."""
    loop = asyncio.get_running_loop()
    longest = 0.0
    done = asyncio.Event()

    async def tick() -> None:
        nonlocal longest
        while not done.is_set():
            before = loop.time()
            await asyncio.sleep(0.01)
            longest = max(longest, loop.time() - before - 0.01)

    ticker = asyncio.create_task(tick())
    pool = cadence.analysis_pool()
    try:
        started = time.perf_counter()
        await pool.run_for(1, cadence.analyse_file, "chained.fit", data)
        took = time.perf_counter() - started
    finally:
        done.set()
        await ticker
        cadence.close_analysis_pool()
    return took, longest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--once", nargs=2, metavar=("READER", "FILE"))
    parser.add_argument("--no-write", action="store_true", help="print the section only")
    args = parser.parse_args()
    if args.once:
        print(json.dumps(once(args.once[0], Path(args.once[1]))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chained.fit"
        data = chained_file()
        path.write_bytes(data)
        print(f"{len(data) / 1024 / 1024:.2f} MiB, {len(data) // SOURCE.stat().st_size} activities")
        runs: dict[str, list[dict[str, float]]] = {"fitdecode": [], "fast": []}
        for _ in range(args.rounds):
            for reader in runs:
                runs[reader].append(timed_run(reader, path))
        took, longest = asyncio.run(through_the_workers(data))
    print(f"through the analysis workers: {took:.2f} s; longest tick {longest * 1000:.0f} ms")
    labels = {"fitdecode": "fitdecode, every message (before)", "fast": "only what is needed (now)"}
    rows = []
    for key, label in labels.items():
        found = runs[key]
        rows.append(
            f"| {label} | {median([r['read_wall'] for r in found]):.2f} s | "
            f"{median([r['read_cpu'] for r in found]):.2f} s | "
            f"{median([r['wall'] for r in found]):.2f} s | "
            f"{median([r['cpu'] for r in found]):.2f} s |"
        )
    limit = cadence.ANALYSIS_LIMITS.cpu_seconds
    section = "\n".join(
        [
            "## 4. The largest watch file",
            "",
            stamp(),
            "",
            f"A {len(data) / 1024 / 1024:.1f} MiB FIT file (the limit is "
            f"{cadence.MAX_FILE_BYTES // 1024 // 1024} MiB): a real Polar 2-hour run chained "
            f"{len(data) // SOURCE.stat().st_size} times, each copy two days after the last, "
            f"{runs['fast'][0]['records']:,.0f} records. Read (`read_run_file`), then analysed "
            "(`analyse`), in a fresh process per run, the two readers in turn; medians of "
            f"{args.rounds} runs each.",
            "",
            "| reader | read, wall | read, CPU | read and analysed, wall | CPU |",
            "|---|---|---|---|---|",
            *rows,
            "",
            f"Through the bot's analysis workers (CPU limit {limit:.0f} s a file) it came back "
            f"in {took:.1f} s, starting the worker process included, and the event loop's "
            "longest tick meanwhile was "
            f"{longest * 1000:.0f} ms late (ticks of 10 ms): the work is in another process.",
            "",
            WHERE_THE_TIME_WENT,
        ]
    )
    if args.no_write:
        print(section)
    else:
        write_section("fit", section)


if __name__ == "__main__":
    main()
