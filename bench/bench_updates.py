"""Update throughput and latency: athletes doing the self-test, next to a bare echo bot.

Runs the real `hipcoach run` (and, for the baseline, `bench/echo_bot.py`) as a
separate process against the fake Bot API over HTTP. Each simulated athlete
waits for the bot's answer before its next tap, as a person would.

    python bench/bench_updates.py [--athletes 20] [--seconds 20] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import median, percentile, stamp, write_section  # noqa: E402
from coaching import migrate  # noqa: E402
from coaching.db import Database  # noqa: E402
from coaching.models import Athlete  # noqa: E402
from fakeapi import BotEvent, FakeBotApi, FakeUser  # noqa: E402

TOKEN = "123456:" + "B" * 35
ROOT = Path(__file__).resolve().parents[1]


def start_process(
    command: list[str], api: FakeBotApi, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    full_env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.root_url, LOG_LEVEL="WARNING")
    full_env.update(env)
    process = subprocess.Popen(command, env=full_env, cwd=ROOT)  # noqa: S603
    api.wait_until(lambda: api.waiting_polls > 0, 60, "the bot to start polling")
    return process


def stop_process(process: subprocess.Popen[bytes], api: FakeBotApi) -> None:
    process.terminate()
    process.wait(30)
    api.wait_until(lambda: api.waiting_polls == 0, 10, "the poll to end")


def drive(users: list[FakeUser], seconds: float, step: Callable[[FakeUser], None]) -> list[float]:
    """Each user repeats `step` (one update and its answer) until time is up."""
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop(user: FakeUser) -> None:
        mine = []
        while time.monotonic() < deadline:
            started = time.perf_counter()
            step(user)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=loop, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def echo_step(user: FakeUser) -> None:
    user.send_text("ping")
    user.wait_message(contains="ping", timeout=30)


def is_question(event: BotEvent) -> bool:
    return any(
        (data or "").startswith("st:") and (data or "").count(":") == 3
        for row in event.buttons
        for _, data in row
    )


def selftest_step(user: FakeUser) -> None:
    """Answer the current question with its first option; start a new test when done."""
    question = getattr(user, "question", None)
    if question is None:
        user.send_command("/selftest")
        event = user.wait_message(predicate=is_question, timeout=30)
    else:
        user.tap_data(question.message_id, question.buttons[0][0][1] or "")
        # The next question (the tapped message, edited), or after the last one the
        # summary: the first new message.
        event = user.wait_message(
            predicate=lambda e: is_question(e) or e.kind == "message", timeout=30
        )
    user.question = event if is_question(event) else None  # type: ignore[attr-defined]


async def seed_athletes(url: str, ids: list[int]) -> None:
    db = Database(url)
    now = dt.datetime.now(dt.UTC)
    async with db.transaction() as session:
        for athlete_id in ids:
            session.add(
                Athlete(
                    id=athlete_id,
                    first_name=f"A{athlete_id}",
                    language="en",
                    consent_at=now,
                    onboarded_at=now,
                    timezone="Europe/Helsinki",
                    run_days_mask=0,
                    active=True,
                    created_at=now,
                )
            )
    await db.dispose()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (Linux's /proc), every thread."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    name: str,
    seconds: float,
    users: list[FakeUser],
    step: Callable[[FakeUser], None],
    bot: subprocess.Popen[bytes],
) -> dict[str, float]:
    for user in users:  # warm up: one round each, not measured
        step(user)
    started, cpu_before = time.perf_counter(), cpu_seconds(bot.pid)
    latencies = drive(users, seconds, step)
    elapsed, cpu = time.perf_counter() - started, cpu_seconds(bot.pid) - cpu_before
    result = {
        "updates": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50_ms": median(latencies) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "cpu_ms": cpu * 1000 / len(latencies),
    }
    print(
        f"{name:<28} {result['per_second']:8.1f} updates/s   p50 {result['p50_ms']:7.1f} ms   "
        f"p99 {result['p99_ms']:7.1f} ms   bot CPU {result['cpu_ms']:5.2f} ms/update   "
        f"({result['updates']} updates)",
        flush=True,
    )
    return result


def run_hipcoach(
    api: FakeBotApi, url: str, ids: list[int], seconds: float, label: str
) -> dict[str, float]:
    migrate.upgrade(url)
    asyncio.run(seed_athletes(url, ids))
    hipcoach = str(Path(sys.executable).with_name("hipcoach"))
    profile = os.environ.get("BENCH_PROFILE")  # a file: profile the bot with pyinstrument
    command = (
        [sys.executable, "-m", "pyinstrument", "-r", "text", "-o", profile, "-m", "bot.cli", "run"]
        if profile
        else [hipcoach, "run"]
    )
    # Telegram paces sends on its side; lifted here so the bot's own work is what is measured.
    env = {"DATABASE_URL": url, "SEND_RATE_LIMIT": "0"}
    process = start_process(command, api, env)
    try:
        users = [FakeUser(api, i, first_name=f"A{i}") for i in ids]
        return measure(label, seconds, users, selftest_step, process)
    finally:
        stop_process(process, api)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--athletes", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TEST_DATABASE_URL"),
        help="a PostgreSQL database URL (postgresql+asyncpg://...) to use as well",
    )
    parser.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md")
    args = parser.parse_args()
    rows = []
    with FakeBotApi(record_messages=True) as api, tempfile.TemporaryDirectory() as tmp:
        # Telegram's per-chat limit (a few messages a second) would pace the simulated
        # athletes, who answer at once; the bots' own work is what is measured here.
        api.private_burst = None
        echo = start_process([sys.executable, str(ROOT / "bench" / "echo_bot.py")], api, {})
        try:
            users = [FakeUser(api, 900_000 + i) for i in range(args.athletes)]
            baseline = measure("echo bot (bare PTB)", args.seconds, users, echo_step, echo)
        finally:
            stop_process(echo, api)
        rows.append(("bare PTB echo bot", baseline))
        ids = list(range(1, args.athletes + 1))
        sqlite = run_hipcoach(
            api,
            f"sqlite+aiosqlite:///{tmp}/bench.sqlite3",
            ids,
            args.seconds,
            "hip coach self-test, SQLite",
        )
        rows.append(("Hip Coach self-test, SQLite", sqlite))
        if args.postgres:
            ids = list(range(100_001, 100_001 + args.athletes))
            pg = run_hipcoach(api, args.postgres, ids, args.seconds, "hip coach self-test, PG")
            rows.append(("Hip Coach self-test, PostgreSQL", pg))
    lines = [
        "## 1. Update throughput and latency (self-test path vs bare echo bot)",
        "",
        stamp(),
        "",
        f"{args.athletes} simulated athletes, each waiting for the answer before the next update, "
        f"{args.seconds:.0f} s per run; bot and fake Bot API in separate processes over HTTP. "
        "A self-test tap costs two Bot API calls (answer the button, turn the message into "
        "the next question) and one database transaction; the echo bot makes one call. "
        "The bot's CPU is its process's user and system time over the run (every thread), "
        "per update.",
        "",
        "| bot | updates/s | p50 latency | p99 latency | bot CPU per update "
        "| share of echo throughput |",
        "|---|---|---|---|---|---|",
    ]
    for label, result in rows:
        ratio = result["per_second"] / baseline["per_second"]
        lines.append(
            f"| {label} | {result['per_second']:.1f} | {result['p50_ms']:.1f} ms | "
            f"{result['p99_ms']:.1f} ms | {result['cpu_ms']:.1f} ms | {ratio:.0%} |"
        )
    if not args.no_write:
        write_section("updates", "\n".join(lines))
    for label, result in rows[1:]:
        print(f"{label}: {result['per_second'] / baseline['per_second']:.0%} of the echo bot")


if __name__ == "__main__":
    main()
