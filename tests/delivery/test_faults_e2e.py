"""A broadcast through a fault-injecting proxy in front of the fake Bot API.

The real Application runs in this event loop and talks to Telegram only
through `fakeapi.faults.FaultProxy`, which answers with gateway errors, 500s
after forwarding, refused connections, slow or swallowed answers and 429
storms. Each scenario ends with the same check: every recipient got the
broadcast exactly once, or is reported `unknown`; the counts are printed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import pytest
from telegram.ext import Application

from bot.jobs import outbox_dispatcher
from bot.sender import BotApiSender
from bot.services import SERVICES_KEY, Services
from fakeapi import FakeBotApi, FakeUser
from fakeapi.faults import Fault, FaultProxy
from knowledge import KnowledgeBase
from scheduler.breaker import BreakerState, CircuitBreaker
from scheduler.dispatcher import CONCURRENCY
from tests.delivery.outbox_checks import (
    COACH,
    exactly_once_or_unknown,
    introduce,
    seed_broadcast,
    wait_until_sent,
    waiting,
)
from tests.e2e.harness import TOKEN, running_bot
from tests.waits import eventually

N = 300
SETTINGS: dict[str, Any] = {
    "send_rate_limit": 300,
    "dispatch_interval_seconds": 0.2,
    "plan_interval_seconds": 3600,
    "delivery_lease_seconds": 2,
}


@pytest.fixture
def proxy(api: FakeBotApi) -> Iterator[FaultProxy]:
    with FaultProxy(api.root_url) as running:
        yield running


def services(application: Application) -> Services:  # type: ignore[type-arg]
    found = application.bot_data[SERVICES_KEY]
    assert isinstance(found, Services)
    return found


@asynccontextmanager
async def bot_behind(
    api: FakeBotApi, proxy: FaultProxy, url: str, *, read_timeout: float = 30.0, **extra: Any
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """The bot, its outbox made quick to recover so a test sees the whole cycle."""
    async with running_bot(api, url, api_url=proxy.root_url, **(SETTINGS | extra)) as app:
        svc = services(app)
        dispatcher = outbox_dispatcher(svc)
        await dispatcher.stop()  # its default HTTP lane is replaced below
        dispatcher.sender = BotApiSender(proxy.root_url, TOKEN, read_timeout=read_timeout)
        dispatcher.breaker = CircuitBreaker(threshold=3, cooldown=0.2, max_cooldown=1.0)
        dispatcher.first_backoff = 0.2
        svc.dispatcher = dispatcher
        yield app


@pytest.mark.one_database
async def test_gateway_errors_then_500s(
    api: FakeBotApi, proxy: FaultProxy, database_url: str
) -> None:
    """502s are surely not sent: retried. 500s may have been: unknown, never resent."""
    ids = await seed_broadcast(database_url, N)
    introduce(api, ids)
    proxy.set_fault(
        Fault.status(502).only("sendMessage").times(40),
        Fault.status_after_forward(500).only("sendMessage").times(10),
    )
    async with bot_behind(api, proxy, database_url):
        await wait_until_sent(database_url)
    counts = await exactly_once_or_unknown(api, ids, database_url)
    print(f"502 x40 then 500 x10: {dict(counts)}")
    assert proxy.faulted("sendMessage") == 50
    assert counts["unknown"] == 10 == counts["unknown but arrived"]
    assert counts["once"] == N


async def test_refused_connections_pause_sending_and_lose_nothing(
    api: FakeBotApi, proxy: FaultProxy, database_url: str
) -> None:
    ids = await seed_broadcast(database_url, N)
    introduce(api, ids)
    async with bot_behind(api, proxy, database_url) as app:
        breaker = services(app).dispatcher
        assert breaker is not None
        await eventually(_at_least(api, N // 5), "a fifth of the broadcast to arrive")
        proxy.set_fault(Fault.refuse())

        async def breaker_held_through_two_probes() -> bool:
            assert breaker is not None
            return breaker.breaker.failed_probes >= 2

        await eventually(breaker_held_through_two_probes, "two failed probes", within=30)
        assert breaker.breaker.state is not BreakerState.CLOSED
        left = await waiting(database_url)
        assert left > N // 2, "the breaker stopped the queue from draining"
        proxy.clear()
        await wait_until_sent(database_url)
    counts = await exactly_once_or_unknown(api, ids, database_url)
    print(f"refused connections: {dict(counts)}")
    # Only requests in flight when the connections were cut can be in doubt.
    assert counts["unknown"] <= CONCURRENCY
    assert counts["once"] + counts["never"] == N


async def test_slow_answers_are_waited_for_and_swallowed_ones_are_unknown(
    api: FakeBotApi, proxy: FaultProxy, database_url: str
) -> None:
    ids = await seed_broadcast(database_url, N)
    introduce(api, ids)
    proxy.set_fault(
        Fault.slow(1.5).only("sendMessage").times(20),
        Fault.swallow().only("sendMessage").times(5),
    )
    async with bot_behind(api, proxy, database_url, read_timeout=3.0):
        await wait_until_sent(database_url)
    counts = await exactly_once_or_unknown(api, ids, database_url)
    print(f"slow x20, swallowed x5: {dict(counts)}")
    assert counts["once"] == N
    assert counts["unknown"] == 5 == counts["unknown but arrived"]


@pytest.mark.one_database
async def test_a_429_storm_delays_and_loses_nothing(
    api: FakeBotApi, proxy: FaultProxy, database_url: str
) -> None:
    ids = await seed_broadcast(database_url, N)
    introduce(api, ids)
    proxy.set_fault(Fault.status(429, retry_after=1).only("sendMessage").times(60))
    async with bot_behind(api, proxy, database_url):
        await wait_until_sent(database_url)
    counts = await exactly_once_or_unknown(api, ids, database_url)
    print(f"429 x60: {dict(counts)}")
    assert counts["once"] == N and counts["unknown"] == 0


async def test_a_long_429_on_the_broadcast_does_not_hold_up_replies(
    api: FakeBotApi, proxy: FaultProxy, database_url: str, kb: KnowledgeBase
) -> None:
    introduce(api, await seed_broadcast(database_url, N))
    proxy.set_fault(Fault.status(429, retry_after=90).only("sendMessage").times(1))
    async with bot_behind(api, proxy, database_url):
        await proxy.wait_until_async(lambda: proxy.faulted("sendMessage") == 1, what="the 429")
        athlete = FakeUser(api, 7_777, first_name="Ann")
        athlete.send_command("/help")
        started = asyncio.get_running_loop().time()
        await athlete.wait_message_async(contains="/selftest")
        waited = asyncio.get_running_loop().time() - started
        paused = await waiting(database_url)
    print(f"/help answered after {waited:.2f} s while {paused} broadcast copies wait out a 429")
    assert paused > N // 2, "the broadcast lane is paused by its 429"


async def test_two_instances_keep_one_shared_limit(api: FakeBotApi, database_url: str) -> None:
    api.max_per_second = 60  # Telegram's limit for the whole bot, in this test
    ids = await seed_broadcast(database_url, N)
    introduce(api, ids)
    async with AsyncExitStack() as stack:
        for _ in range(2):
            await stack.enter_async_context(
                running_bot(api, database_url, **(SETTINGS | {"send_rate_limit": 50}))
            )
        await wait_until_sent(database_url)
    counts = await exactly_once_or_unknown(api, ids, database_url)
    print(f"two instances at 50/s each under a 60/s limit: {dict(counts)}, 429s {api.count_429}")
    assert api.count_429 == 0
    assert counts["once"] == N


def _at_least(api: FakeBotApi, count: int) -> Any:
    async def check() -> bool:
        return api.sent_count >= count

    return check


async def test_the_coach_resends_to_exactly_those_not_confirmed(
    api: FakeBotApi, proxy: FaultProxy, database_url: str, kb: KnowledgeBase
) -> None:
    """Dropped connections leave copies unconfirmed; the report offers them, and only
    them, a second send."""
    ids = await seed_broadcast(database_url, 20)
    introduce(api, ids)
    proxy.set_fault(Fault.drop().only("sendMessage").times(3))
    async with bot_behind(api, proxy, database_url, admin_ids=frozenset({COACH})):
        await wait_until_sent(database_url)
        first = await exactly_once_or_unknown(api, ids, database_url)
        assert (first["unknown"], first["unknown but arrived"]) == (3, 0)
        coach = FakeUser(api, COACH, first_name="Yan")
        coach.send_command("/broadcasts")
        report = await coach.wait_message_async(contains="not confirmed")
        label = kb.ui_text("broadcast_resend_button_other", "en", id=1, count=3)
        await coach.wait_callback_answered_async(coach.tap(label, in_message=report))
        await coach.wait_message_async(
            contains=kb.ui_text("broadcast_resent_other", "en", id=1, count=3)
        )
        await wait_until_sent(database_url)
    again = await exactly_once_or_unknown(api, ids, database_url)
    print(f"dropped x3, then resent: {dict(first)} -> {dict(again)}")
    assert again["once"] == 20 and again["unknown"] == 0
