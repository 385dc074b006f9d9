"""Planning with 100,000 athletes: the time of one pass, and memory.

Seeds athletes with reminder settings whose next tips, warm-ups and check-ins
are spread over the week (as real athletes' would be), then times planning
passes: a pass with nothing due, a pass with the minute's due share, the worst
case of every athlete's tip falling due at once (what the default Monday 08:00
in one time zone did before tips were spread), and then that Monday as it is
now: every athlete's tip at 08:00 plus their own offset within the hour
(`scheduler.recurrence.tip_offset`), one pass a minute from 08:00 to 09:00.

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

from bench.common import median, stamp, write_section  # noqa: E402
from coaching import migrate  # noqa: E402
from coaching.db import Database  # noqa: E402
from coaching.models import Athlete  # noqa: E402
from coaching.outbox import Delivery, Kind  # noqa: E402
from coaching.reminders.models import ReminderSettings  # noqa: E402
from scheduler import planner  # noqa: E402
from scheduler.recurrence import local_instant, zone  # noqa: E402

NOW = dt.datetime(2026, 3, 18, 9, 0, tzinfo=dt.UTC)  # a Wednesday
WEEK_MINUTES = 7 * 24 * 60
MONDAY_8 = local_instant(dt.date(2026, 3, 23), dt.time(8), zone("Europe/Helsinki"))


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
    all_at_once = report.total
    monday = await spread_monday(db)
    async with db.transaction() as session:
        deliveries = await session.scalar(select(func.count()).select_from(Delivery))
    current, peak = rss_mib()
    await db.dispose()
    longest = max(monday, key=lambda p: p[0])
    typical = median([seconds for seconds, _ in monday])
    planned_monday = sum(count for _, count in monday)
    print(
        f"[{label}] pass with nothing due: {idle * 1000:.0f} ms; a minute's pass "
        f"({per_minute} due): {minute * 1000:.0f} ms; every tip due at once "
        f"({all_at_once} planned): {worst:.2f} s; Monday 08:00-09:00 with the spread: "
        f"{planned_monday} tips in {len(monday)} passes, median {typical * 1000:.0f} ms, "
        f"longest {longest[0] * 1000:.0f} ms ({longest[1]} planned); {deliveries} delivery "
        f"rows; RSS {current:.0f} MiB (peak {peak:.0f} MiB, seeding included)"
    )
    return [
        f"| {label} | {idle * 1000:.0f} ms | {minute * 1000:.0f} ms ({per_minute} due) | "
        f"{worst:.2f} s ({all_at_once} planned) | {typical * 1000:.0f} ms, longest "
        f"{longest[0] * 1000:.0f} ms ({longest[1]} planned; {planned_monday} over the hour) | "
        f"{current:.0f} MiB (peak {peak:.0f} MiB) |"
    ]


async def spread_monday(db: Database) -> list[tuple[float, int]]:
    """The Monday after the worst case, as tips are now: one pass a minute, 08:00 to 09:00.

    The worst case's pass moved every athlete's next tip to that Monday 08:00 plus
    their offset. Warm-ups and check-ins are moved a month on so the passes time tips
    alone (not cleared: a cleared schedule is one `provision` recomputes).
    Returns (seconds, tips planned) for each pass.
    """
    later = MONDAY_8 + dt.timedelta(days=30)
    async with db.transaction() as session:
        await session.execute(
            update(ReminderSettings).values(next_warmup_at=later, next_checkin_at=later)
        )
    passes = []
    for minute in range(61):
        seconds, report = await timed_pass(db, MONDAY_8 + dt.timedelta(minutes=minute, seconds=30))
        passes.append((seconds, report.planned.get(Kind.TIP, 0)))
    return passes


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
                "over the week. One pass is what the `plan` job does every minute. 'Every tip "
                "due at once' is the worst case: the default Monday 08:00 in one time zone as it "
                "was before tips were spread. 'Monday, spread' is that Monday now: each athlete's "
                "tip at 08:00 plus their own 0–59 minutes (`scheduler.recurrence.tip_offset`), "
                "one pass a minute from 08:00 to 09:00, tips only. Memory is this process's "
                "resident set after the passes (the peak includes seeding).",
                "",
                "| database | pass, nothing due | pass, one minute's due | every tip due at once "
                "| Monday, spread: a minute's pass | memory |",
                "|---|---|---|---|---|---|",
                *rows,
            ]
        ),
    )


if __name__ == "__main__":
    main()
