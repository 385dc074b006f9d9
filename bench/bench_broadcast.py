"""Broadcast rate: 100,000 recipients against a fake Bot API that enforces the limit.

The real `hipcoach run` sends a coach's broadcast to every subscriber; the fake
Bot API (in this process) answers 429 to anything over its per-second limit.
Reports the achieved send rate as a share of the limit, how many 429s the bot
caused, and the bot process's peak memory. At 30 msg/s the whole broadcast
takes 55 minutes, so the rate is measured over a window once sending is steady.

    python bench/bench_broadcast.py [--recipients 100000] [--window 60]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from bench.common import stamp, write_section  # noqa: E402
from coaching import broadcasts, coaches, migrate  # noqa: E402
from coaching.db import Database  # noqa: E402
from coaching.models import Athlete  # noqa: E402
from fakeapi import FakeBotApi  # noqa: E402

TOKEN = "123456:" + "C" * 35
COACH = 1


async def queue_broadcast(url: str, recipients: int) -> float:
    """Subscribers, then a broadcast to all of them; returns seconds taken by `confirm`."""
    db = Database(url)
    now = dt.datetime.now(dt.UTC)
    for start in range(2, recipients + 2, 10_000):
        rows = [
            {
                "id": i,
                "first_name": f"A{i}",
                "language": "en",
                "active": True,
                "created_at": now,
                "consent_at": now,
            }
            for i in range(start, min(recipients + 2, start + 10_000))
        ]
        async with db.transaction() as session:
            await session.execute(insert(Athlete), rows)
    async with db.transaction() as session:
        role = await coaches.authorise(session, {COACH}, COACH)
        assert role is not None
        draft = await broadcasts.start_draft(session, role, now)
        broadcasts.set_text(draft, "<b>Club news</b>: hill repeats on Thursday", now)
        await broadcasts.choose_audience(session, role, draft, broadcasts.Audience.ALL, None, now)
        started = time.perf_counter()
        await broadcasts.confirm(session, role, draft, now)
        took = time.perf_counter() - started
    await db.dispose()
    return took


def poll_until(condition: Callable[[], bool], timeout: float) -> None:
    """Sample a counter every 10 ms (the fake's counters are read without waking anyone)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the broadcast stalled")
        time.sleep(0.01)


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(limit: int, recipients: int, window: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, FakeBotApi(record_messages=False) as api:
        url = f"sqlite+aiosqlite:///{tmp}/broadcast.sqlite3"
        migrate.upgrade(url)
        confirm_seconds = asyncio.run(queue_broadcast(url, recipients))
        api.max_per_second = limit
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=api.root_url,
            DATABASE_URL=url,
            SEND_RATE_LIMIT=str(limit),
            ADMIN_IDS=str(COACH),
            LOG_LEVEL="WARNING",
            DISPATCH_INTERVAL_SECONDS="1",
            PLAN_INTERVAL_SECONDS="3600",
        )
        hipcoach = str(Path(sys.executable).with_name("hipcoach"))
        profile = os.environ.get("BENCH_PROFILE")  # a file: profile the bot with pyinstrument
        command = (
            [
                sys.executable,
                "-m",
                "pyinstrument",
                "-r",
                "text",
                "-o",
                profile,
                "-m",
                "bot.cli",
                "run",
            ]
            if profile
            else [hipcoach, "run"]
        )
        bot = subprocess.Popen(command, env=env)  # noqa: S603
        try:
            api.wait_until(
                lambda: api.sent_count >= min(recipients, limit * 5), 120, "steady sending"
            )
            first, started = api.sent_count, time.perf_counter()
            end = min(recipients, first + int(limit * window))
            api.wait_until(lambda: api.sent_count >= end, window * 3 + 60, "the window")
            elapsed = time.perf_counter() - started
            sent = api.sent_count - first
            memory = peak_rss_mib(bot.pid)
        finally:
            bot.terminate()
            bot.wait(60)
    rate = sent / elapsed
    result = {
        "limit": limit,
        "rate": rate,
        "share": rate / limit,
        "sent": sent,
        "seconds": elapsed,
        "count_429": api.count_429,
        "memory": memory,
        "confirm": confirm_seconds,
    }
    print(
        f"limit {limit}/s: {rate:.1f} msg/s = {rate / limit:.1%} of the limit over {sent} "
        f"sends ({elapsed:.0f} s); 429s caused: {api.count_429}; bot peak RSS {memory:.0f} MiB; "
        f"queueing {recipients} deliveries took {confirm_seconds:.1f} s",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds measured per limit")
    parser.add_argument(
        "--limits", default="30,1000", help="per-second limits to run, e.g. 30,1000"
    )
    args = parser.parse_args()
    limits = [int(x) for x in args.limits.split(",")]
    results = [run(limit, args.recipients, args.window) for limit in limits]
    rows = [
        f"| {r['limit']:.0f} msg/s | {r['rate']:.1f} msg/s | {r['share']:.1%} | {r['sent']:.0f} "
        f"in {r['seconds']:.0f} s | {r['count_429']:.0f} | {r['memory']:.0f} MiB |"
        for r in results
    ]
    write_section(
        "broadcast",
        "\n".join(
            [
                "## 2. Broadcast rate",
                "",
                stamp(),
                "",
                f"A coach's broadcast to {args.recipients:,} subscribers (SQLite), sent by "
                "`hipcoach run` through the fake Bot API, which answers 429 above its per-second "
                f"limit. Rates are measured over a window of up to {args.window:.0f} s of steady "
                "sending. Queueing the "
                f"deliveries (`confirm`, one transaction) took {results[0]['confirm']:.1f} s.",
                "",
                "| limit | achieved | share of limit | measured | 429s caused | bot peak memory |",
                "|---|---|---|---|---|---|",
                *rows,
            ]
        ),
    )


if __name__ == "__main__":
    main()
