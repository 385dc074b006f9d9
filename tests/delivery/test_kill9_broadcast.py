"""kill -9 during a 2,000-recipient broadcast, with one instance and with two.

Each scenario seeds a broadcast straight into the outbox, runs `hipcoach run`
processes against the fake Bot API, kills them with SIGKILL at random points
(the seed is printed, so a failure can be replayed), starts them again, and
waits until the outbox has nothing left to send. Then for every recipient:
they got the message exactly once, or they are reported `unknown` (the few
requests in flight at a kill); nobody got it twice, nobody was silently lost.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from fakeapi import FakeBotApi
from tests.delivery.outbox_checks import (
    exactly_once_or_unknown,
    introduce,
    seed_broadcast,
    wait_until_sent,
)
from tests.e2e.harness import BotProcess

N = 2000
INSTANCE_ENV = {
    "SEND_RATE_LIMIT": "400",  # fast enough for a test, slow enough to be killed mid-way
    "DISPATCH_INTERVAL_SECONDS": "0.2",
    "PLAN_INTERVAL_SECONDS": "60",
    "DELIVERY_LEASE_SECONDS": "2",
}


class Instance(BotProcess):
    """One of several `hipcoach run` processes polling one fake Telegram."""

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no shutdown code runs
        self.process.wait(10)


def running(processes: list[BotProcess]) -> Callable[[], None]:
    def check() -> None:
        for process in processes:
            assert process.process is not None
            if process.process.poll() is not None:
                raise AssertionError(f"an instance exited:\n{process.log()}")

    return check


def kill_after(api: FakeBotApi, process: BotProcess, at_least: int) -> None:
    """kill -9 once `at_least` messages have reached the fake Telegram."""
    api.wait_until(lambda: api.sent_count >= at_least, 120, f"{at_least} messages to arrive")
    process.kill()


@pytest.fixture
def scenario_random() -> random.Random:
    seed = int(os.environ.get("KILL9_SEED", random.SystemRandom().randrange(1 << 30)))
    print(f"KILL9_SEED={seed}")
    return random.Random(seed)


async def test_kill_9_mid_broadcast_one_instance(
    api: FakeBotApi, tmp_path: Path, database_url: str, scenario_random: random.Random
) -> None:
    ids = await seed_broadcast(database_url, N)
    introduce(api, ids)
    bot = BotProcess(api, tmp_path / "a", database_url, **INSTANCE_ENV).start()
    kill_at = scenario_random.randrange(N // 10, N * 8 // 10)
    kill_after(api, bot, kill_at)
    bot.start()
    try:
        await wait_until_sent(database_url, running([bot]))
    finally:
        bot.terminate()
    counts = await exactly_once_or_unknown(api, ids, database_url)
    print(f"killed after {kill_at} of {N}: {dict(counts)}")


async def test_kill_9_two_instances_four_alternating_kills(
    api: FakeBotApi, tmp_path: Path, database_url: str, scenario_random: random.Random
) -> None:
    ids = await seed_broadcast(database_url, N)
    introduce(api, ids)
    first = Instance(api, tmp_path / "a", database_url, **INSTANCE_ENV).start()
    second = Instance(api, tmp_path / "b", database_url, **INSTANCE_ENV).start()
    marks = sorted(scenario_random.sample(range(N // 10, N * 8 // 10), 4))
    try:
        for turn, mark in enumerate(marks):
            victim = first if turn % 2 == 0 else second
            kill_after(api, victim, mark)
            victim.start()
        await wait_until_sent(database_url, running([first, second]))
    finally:
        for process in (first, second):
            if process.process is not None and process.process.poll() is None:
                process.terminate()
    counts = await exactly_once_or_unknown(api, ids, database_url)
    print(f"killed after {marks} of {N}: {dict(counts)}")
