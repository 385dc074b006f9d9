"""Planning with 100,000 athletes: the time of one pass, and memory.

Seeds athletes with reminder settings whose next tips, warm-ups and check-ins
are spread over the week (as real athletes' would be), then times planning
passes: a pass with nothing due, a pass with the minute's due share, and the
worst case of every athlete's tip falling due at once.

    python bench/bench_planning.py [--athletes 100000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, update  # noqa: E402

from bench.common import stamp, write_section  # noqa: E402
from coaching import migrate  # noqa: E402
from coaching.db import Database  # noqa: E402
from coaching.models import Athlete  # noqa: E402
from coaching.outbox import Delivery
from coaching.reminders.models import ReminderSettings
from scheduler import planner  # noqa: E402

NOW = dt.datetime(2026, 3, 18, 9, 0, tzinfo=dt.UTC)  # a Wednesday
WEEK_MINUTES = 7 * 24 * 60


def rss_mib() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MiB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            key, amount = line.split(":")
            values[key] = int(amount.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


async def seed(db: Database, count: int) -> None:
    rng = random.Random(7)
    created = NOW - dt.timedelta(days=30)
    for start in range(0, count, 5000):
        ids = range(start + 1, min(count, start + 5000) + 1)
        athletes = [
            {
                "id": i,
                "first_name": f"A{i}",
                "language": "en",
                "timezone": "Europe/Helsinki",
                "run_days_mask": 0b0010101,
                "run_time": dt.time(7, 30),
                "triathlete": i % 5 == 0,
                "consent_at": created,
                "onboarded_at": created,
                "active": True,
                "created_at": created,
                "onboarding_step": None,
            }
            for i in ids
        ]

        def spread() -> dt.datetime:
            return NOW + dt.timedelta(minutes=rng.randrange(1, WEEK_MINUTES))

        settings = [
            {
                "athlete_id": i,
                "tips_enabled": True,
                "tip_weekday": 0,
                "tip_time": dt.time(8),
                "warmups_enabled": True,
                "warmup_lead_minutes": 45,
                "checkins_enabled": True,
                "checkin_weekday": 6,
                "checkin_time": dt.time(18),
                "retest_enabled": True,
                "paused": False,
                "next_tip_at": spread(),
                "next_warmup_at": spread(),
                "next_checkin_at": spread(),
                "computed_timezone": "Europe/Helsinki",
                "computed_run_days_mask": 0b0010101,
                "computed_run_time": dt.time(7, 30),
                "updated_at": created,
            }
            for i in ids
        ]
        async with db.transaction() as session:
            await session.execute(insert(Athlete), athletes)
            await session.execute(insert(ReminderSettings), settings)


async def timed_pass(db: Database, now: dt.datetime) -> tuple[float, planner.PlanReport]:
    started = time.perf_counter()
    report = await planner.plan(db, now)
    return time.perf_counter() - started, report


async def run(url: str, athletes: int, label: str) -> list[str]:
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database(url)
    seeding = time.perf_counter()
    await seed(db, athletes)
    print(f"[{label}] seeded {athletes} athletes in {time.perf_counter() - seeding:.1f} s")
    idle, _ = await timed_pass(db, NOW)
    minute, report = await timed_pass(db, NOW + dt.timedelta(minutes=1))
    per_minute = report.total
    async with db.transaction() as session:
        await session.execute(
            update(ReminderSettings).values(next_tip_at=NOW + dt.timedelta(minutes=2))
        )
    worst, report = await timed_pass(db, NOW + dt.timedelta(minutes=2))
    async with db.transaction() as session:
        deliveries = await session.scalar(select(func.count()).select_from(Delivery))
    current, peak = rss_mib()
    await db.dispose()
    print(
        f"[{label}] pass with nothing due: {idle * 1000:.0f} ms; a minute's pass "
        f"({per_minute} due): {minute * 1000:.0f} ms; every tip due at once "
        f"({report.total} planned): {worst:.2f} s; {deliveries} delivery rows; "
        f"RSS {current:.0f} MiB (peak {peak:.0f} MiB, seeding included)"
    )
    return [
        f"| {label} | {idle * 1000:.0f} ms | {minute * 1000:.0f} ms ({per_minute} due) | "
        f"{worst:.2f} s ({report.total} planned) | {current:.0f} MiB (peak {peak:.0f} MiB) |"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--athletes", type=int, default=100_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="an empty, migratable PostgreSQL database URL to run on as well",
    )
    args = parser.parse_args()
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += asyncio.run(run(f"sqlite+aiosqlite:///{tmp}/plan.sqlite3", args.athletes, "SQLite"))
    if args.postgres:
        rows += asyncio.run(run(args.postgres, args.athletes, "PostgreSQL"))
    write_section(
        "planning",
        "\n".join(
            [
                "## 3. Planning with many athletes",
                "",
                stamp(),
                "",
                f"{args.athletes:,} onboarded athletes with tips, warm-ups and check-ins spread "
                "over the week. One pass is what the `plan` job does every minute. Memory is "
                "this process's resident set after the passes (the peak includes seeding).",
                "",
                "| database | pass, nothing due | pass, one minute's due | every tip due at once "
                "| memory |",
                "|---|---|---|---|---|",
                *rows,
            ]
        ),
    )


if __name__ == "__main__":
    main()
