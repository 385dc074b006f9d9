"""Broadcast rate: 100,000 recipients against a fake Bot API that enforces the limit.

The real `hipcoach run` sends a coach's broadcast to every subscriber; the fake
Bot API (in this process) answers 429 to anything over its per-second limit.
Two lanes: ordinary sending (30 msg/s, `SEND_RATE_LIMIT`) and paid broadcasts
(`PAID_BROADCAST=true`, 1000 msg/s). Reports the achieved rate as a share of the
limit, the 429s, the most requests the bot made in any one second by its own
clock (`bench.traced_bot`: a 429 while that is within the limit is the fake's),
the bot's CPU time per message (robust to other work on the machine, unlike the
rate) and its resident memory while sending. The fake's thread runs at a raised
priority (`bench.common.fake_first`) so that its count is not the machine's.

With `--baseline DIR` (a checkout of an earlier commit, e.g. a `git worktree`)
each lane runs that checkout's bot and this one's in turn, `--rounds` times, on
the same machine in the same run, so the two can be compared:

    git worktree add --detach /tmp/hc-before <commit>
    python bench/bench_broadcast.py --baseline /tmp/hc-before [--recipients 100000]

With `--postgres URL` (a server's URL, e.g. the one `scripts/start-postgres` prints)
this checkout's bot runs on a fresh PostgreSQL database there as well, in turn with
the others.

At 30 msg/s the whole broadcast takes 55 minutes, so the rate is measured over
a window (`--window` seconds) once sending is steady.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    busiest_second,
    cpu_seconds,
    fake_first,
    median,
    no_collection_pauses,
    rss_mib,
    stamp,
    write_section,
)
from fakeapi import FakeBotApi  # noqa: E402

TOKEN = "123456:" + "C" * 35
COACH = 1
HERE = Path(__file__).resolve().parents[1]
SEED = Path(__file__).resolve().with_name("broadcast_seed.py")


@dataclass(frozen=True)
class Lane:
    name: str
    limit: int  # what the fake Bot API allows per second
    paid: bool


LANES = {
    "free": Lane("30 msg/s (ordinary)", 30, paid=False),
    "paid": Lane("1000 msg/s (paid broadcast)", 1000, paid=True),
}


@dataclass
class Result:
    label: str
    lane: Lane
    rate: float
    sent: int
    seconds: float
    count_429: int
    busiest: int | None  # the bot's most requests in a second, by its own clock
    cpu_ms_per_message: float
    fake_cpu_share: float  # of one core, the fake Bot API's (this process's) CPU
    rss_mib: float
    peak_mib: float
    confirm_seconds: float

    @property
    def share(self) -> float:
        return self.rate / self.lane.limit


def environment(tree: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DATABASE_", "PYTHONPATH"))
    }
    env["PYTHONPATH"] = str(tree)
    env.update(extra)
    return env


def seed(tree: Path, url: str, recipients: int) -> float:
    """Migrate and queue the broadcast with `tree`'s own code; seconds `confirm` took."""
    out = subprocess.run(  # noqa: S603
        [sys.executable, str(SEED), url, str(recipients)],
        env=environment(tree, {}),
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


_databases = itertools.count()


@contextlib.contextmanager
def database(postgres: str | None) -> Iterator[str]:
    """A fresh, empty database for one run: a SQLite file, or one made on `postgres`'s server."""
    if postgres is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite+aiosqlite:///{tmp}/broadcast.sqlite3"
        return
    admin = make_url(postgres)
    name = f"hc_bench_{os.getpid()}_{next(_databases)}"

    async def execute(sql: str) -> None:
        connection = await asyncpg.connect(
            user=admin.username,
            password=admin.password,
            host=admin.host,
            port=admin.port,
            database=admin.database,
        )
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def run(
    tree: Path, label: str, lane: Lane, recipients: int, window: float, postgres: str | None
) -> Result:
    with database(postgres) as url, tempfile.TemporaryDirectory() as tmp:
        confirm_seconds = seed(tree, url, recipients)
        stamps = Path(tmp) / "requests.txt"
        with no_collection_pauses(), FakeBotApi(record_messages=False, strict_chats=False) as api:
            api.max_per_second = lane.limit
            fake_first(api)
            env = environment(
                tree,
                {
                    "TELEGRAM_BOT_TOKEN": TOKEN,
                    "TELEGRAM_API_URL": api.root_url,
                    "DATABASE_URL": url,
                    "SEND_RATE_LIMIT": "30",
                    "PAID_BROADCAST": "true" if lane.paid else "false",
                    "ADMIN_IDS": str(COACH),
                    "LOG_LEVEL": "WARNING",
                    "DISPATCH_INTERVAL_SECONDS": "1",
                    "PLAN_INTERVAL_SECONDS": "3600",
                },
            )
            profile = os.environ.get("BENCH_PROFILE")  # a file: profile the bot (pyinstrument)
            command = [sys.executable, "-m", "bot.cli", "run"]
            if (tree / "bench" / "traced_bot.py").exists():  # not in older checkouts
                command[1:] = ["-m", "bench.traced_bot", str(stamps)]
            if profile:
                command[1:1] = ["-m", "pyinstrument", "-r", "text", "-o", profile]
            bot = subprocess.Popen(command, env=env, cwd=tree)  # noqa: S603
            try:
                steady = min(recipients // 10, lane.limit * 3)
                api.wait_until(lambda: api.sent_count >= steady, 180, "steady sending")
                first, started = api.sent_count, time.perf_counter()
                bot_cpu, own_cpu = cpu_seconds(bot.pid), time.process_time()
                end = min(recipients - recipients // 20, first + int(lane.limit * window))
                rss = 0.0
                while api.sent_count < end and time.perf_counter() - started < window:
                    rss = max(rss, rss_mib(bot.pid)[0])
                    time.sleep(0.05)
                elapsed = time.perf_counter() - started
                sent = api.sent_count - first
                bot_cpu = cpu_seconds(bot.pid) - bot_cpu
                own_cpu = time.process_time() - own_cpu
                peak = rss_mib(bot.pid)[1]
            finally:
                bot.terminate()
                bot.wait(60)
            count_429 = api.count_429
        busiest = busiest_second(stamps)
    result = Result(
        label=label,
        lane=lane,
        rate=sent / elapsed,
        sent=sent,
        seconds=elapsed,
        count_429=count_429,
        busiest=busiest,
        cpu_ms_per_message=bot_cpu / sent * 1000,
        fake_cpu_share=own_cpu / elapsed,
        rss_mib=rss,
        peak_mib=peak,
        confirm_seconds=confirm_seconds,
    )
    print(
        f"{label:<9} {lane.name:<28} {result.rate:7.1f} msg/s = {result.share:6.1%} "
        f"({sent} in {elapsed:.0f} s); 429s: {count_429}; the bot's busiest second: "
        f"{busiest} (limit {lane.limit}); bot CPU "
        f"{result.cpu_ms_per_message:.2f} ms/message; fake CPU {result.fake_cpu_share:.0%} "
        f"of a core; bot RSS {rss:.0f} MiB (peak {peak:.0f}); confirm {confirm_seconds:.1f} s",
        flush=True,
    )
    return result


def summary(results: list[Result]) -> Result:
    """The median of each figure over the rounds (429s: the worst round)."""
    first = results[0]
    return Result(
        label=first.label,
        lane=first.lane,
        rate=median([r.rate for r in results]),
        sent=int(median([r.sent for r in results])),
        seconds=median([r.seconds for r in results]),
        count_429=max(r.count_429 for r in results),
        busiest=max((r.busiest for r in results if r.busiest is not None), default=None),
        cpu_ms_per_message=median([r.cpu_ms_per_message for r in results]),
        fake_cpu_share=median([r.fake_cpu_share for r in results]),
        rss_mib=median([r.rss_mib for r in results]),
        peak_mib=median([r.peak_mib for r in results]),
        confirm_seconds=median([r.confirm_seconds for r in results]),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--window", type=float, default=45.0, help="seconds measured per run")
    parser.add_argument("--lanes", default="free,paid", help="which of: free, paid")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each bot per lane")
    parser.add_argument("--baseline", type=Path, help="a checkout of an earlier commit")
    parser.add_argument("--baseline-label", default="before")
    parser.add_argument("--tree", type=Path, default=HERE, help="the checkout measured")
    parser.add_argument(
        "--postgres",
        help="a PostgreSQL server's URL (postgresql+asyncpg://user@host:port/postgres): this "
        "checkout's bot runs on a fresh database there as well",
    )
    parser.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md")
    args = parser.parse_args()
    bots: list[tuple[Path, str, str | None]] = [(args.tree.resolve(), "now", None)]
    if args.baseline:
        bots.insert(0, (args.baseline.resolve(), args.baseline_label, None))
    if args.postgres:
        bots.append((args.tree.resolve(), "now, PostgreSQL", args.postgres))
    rows: list[Result] = []
    for lane in (LANES[name] for name in args.lanes.split(",")):
        runs: dict[str, list[Result]] = {label: [] for _, label, _ in bots}
        for _ in range(args.rounds):
            for tree, label, postgres in bots:  # in turn: a drift of the machine hits all
                runs[label].append(run(tree, label, lane, args.recipients, args.window, postgres))
        rows += [summary(runs[label]) for _, label, _ in bots]
    if args.no_write:
        return
    table = [
        f"| {r.lane.name} | {r.label} | {r.rate:.1f} msg/s | {r.share:.1%} | {r.sent} in "
        f"{r.seconds:.0f} s | {r.count_429} | {r.busiest or '—'} | {r.cpu_ms_per_message:.2f} ms | "
        f"{r.rss_mib:.0f} MiB |"
        for r in rows
    ]
    baseline = f" and `{args.baseline_label}` is {args.baseline}'s" if args.baseline else ""
    on_postgres = "; PostgreSQL where the bot says so" if args.postgres else ""
    write_section(
        "broadcast",
        "\n".join(
            [
                "## 2. Broadcast rate",
                "",
                stamp(),
                "",
                f"A coach's broadcast to {args.recipients:,} subscribers (SQLite{on_postgres}), "
                "sent by "
                "`hipcoach run` through the fake Bot API, which answers 429 above its "
                f"per-second limit. Each figure is the median of {args.rounds} run(s), the bots "
                f"taking turns in one run of the benchmark; `now` is this checkout's bot"
                f"{baseline}. Rates are measured over up to {args.window:.0f} s of steady "
                "sending; CPU is the bot process's user + system time per message sent in "
                "that window; memory is its resident set while sending (100,000 athletes in "
                f"the database). Queueing the deliveries (`confirm`, one transaction) took "
                f"{rows[-1].confirm_seconds:.1f} s. The bot's busiest second is the most "
                "requests it made in any one second of the run, by its own clock "
                "(`bench.traced_bot`; worst of the runs): a 429 while that stays within the "
                "limit is the fake's, which counts requests when its thread in this process "
                "gets round to them.",
                "",
                "| lane | bot | achieved | share of limit | measured | 429s "
                "| bot's busiest second | CPU per message | memory while sending |",
                "|---|---|---|---|---|---|---|---|---|",
                *table,
            ]
        ),
    )


if __name__ == "__main__":
    main()
