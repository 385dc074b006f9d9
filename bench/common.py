"""Shared by the benchmarks: machine description and writing results to docs/benchmarks.md."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import platform
import re
import resource
import statistics
import threading
from bisect import bisect_right
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fakeapi import FakeBotApi

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADER = """# Benchmarks

Each section is written by its script in `bench/` (run `.venv/bin/python bench/<name>.py`);
figures are from the machine and date given in the section. Benchmarks are not
tests: nothing fails on a number, they are here to see where we stand.
"""


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(re.findall(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[0])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}"
    )


def stamp() -> str:
    return f"_{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC — {machine()}_"


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def busiest_second(path: Path) -> int | None:
    """The most of the stamps in `path` (`bench.traced_bot`'s) in any sliding second, as
    Telegram counts; None when the bot wrote none (it did not get to stop cleanly)."""
    try:
        stamps = sorted(float(line) for line in path.read_text(encoding="ascii").split())
    except FileNotFoundError:
        return None
    if not stamps:
        return None
    return max(i + 1 - bisect_right(stamps, at - 1.0) for i, at in enumerate(stamps))


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def peak_rss_mib(children: bool = False) -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF)
    return usage.ru_maxrss / 1024


def write_section(name: str, body: str) -> None:
    """Replace this benchmark's section in docs/benchmarks.md (others are kept)."""
    text = RESULTS.read_text() if RESULTS.exists() else HEADER
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    section = f"{begin}\n{body.strip()}\n{end}"
    if begin in text and end in text:
        text = text[: text.index(begin)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)


def _descendants(pid: int) -> list[int]:
    """`pid` and every process below it (e.g. the bot's analysis workers)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                queue += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by `pid` and its descendants.

    CPU time, unlike wall time, hardly moves when other work shares the machine:
    it is the figure to compare between runs on a busy host.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for each in _descendants(pid):
        try:
            stat = Path(f"/proc/{each}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def rss_mib(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of one process in MiB."""
    values = {"VmRSS": float("nan"), "VmHWM": float("nan")}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, amount = line.partition(":")
            if key in values:
                values[key] = int(amount.split()[0]) / 1024
    except OSError:
        pass
    return values["VmRSS"], values["VmHWM"]


def fake_first(api: FakeBotApi) -> None:
    """Give the fake Bot API's thread the first claim on a core (nice -10), where allowed.

    The fake counts a request against the limit when its thread gets round to it.
    On two cores shared with the bot (and PostgreSQL) that thread can wait tens of
    milliseconds for a core; the requests that arrived meanwhile then count as a
    burst the bot never sent. Telegram's servers do not share the bot's machine.
    Where the priority cannot be raised (it needs CAP_SYS_NICE) the benchmark says so.
    """

    async def raise_priority() -> bool:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), -10)
        except PermissionError:
            return False
        return True

    if not api.run_coroutine(raise_priority()):
        print("  the fake runs at normal priority: some 429s may be its own", flush=True)


@contextlib.contextmanager
def no_collection_pauses() -> Iterator[None]:
    """No garbage collection in this process meanwhile.

    The fake Bot API runs on a thread of the benchmark's process and counts each
    request when that thread gets to it. A full collection of the process's objects
    stops the thread for 15–75 ms; the requests that arrived meanwhile then count
    as one burst, and the sliding second that holds it answers 429 a second later.
    Telegram does not count a bot's requests by when its own servers got round to
    them, so a 429 of that kind is the fake's, not the bot's.
    """
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()
