"""Two bot instances in webhook mode behind a load balancer, on one database.

The fake Bot API delivers every update to a round-robin balancer that sends
them alternately to instance A and B; both run the scheduler's jobs. The
athlete's self-test continues correctly whichever instance takes each tap, and
no scheduled message is sent twice.
"""

from __future__ import annotations

import datetime as dt
import itertools
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import aiohttp
from aiohttp import web
from sqlalchemy import func, select
from telegram.ext import Application

from bot.app import ALLOWED_UPDATES, build_application
from bot.settings import load_settings
from coaching import outbox, reminders, selftest
from coaching.db import Database
from coaching.models import Athlete
from coaching.outbox import Delivery
from fakeapi import FakeBotApi, FakeUser
from knowledge import KnowledgeBase, load_knowledge
from knowledge.schema import text_for
from scheduler import planner
from tests.e2e.harness import TOKEN, stop_bot, tap_when_shown
from tests.waits import eventually

SECRET = "lb-secret-123"
# Monday 16 March 2026, 09:00:30 in Helsinki: the weekly tips (Monday 08:00, each athlete's
# spread over the hour after it) are all due.
NOW = dt.datetime(2026, 3, 16, 7, 0, 30, tzinfo=dt.UTC)
TIP_ATHLETES = range(7001, 7041)
TESTER = 7100


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def round_robin(backends: list[str], hits: dict[str, int]) -> AsyncIterator[str]:
    """A minimal load balancer: each POST goes to the next backend in turn."""
    turn = itertools.cycle(backends)
    session = aiohttp.ClientSession()

    async def forward(request: web.Request) -> web.Response:
        backend = next(turn)
        hits[backend] += 1
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-telegram")}
        headers["Content-Type"] = "application/json"
        async with session.post(backend, data=await request.read(), headers=headers) as answer:
            return web.Response(status=answer.status, body=await answer.read())

    app = web.Application()
    app.router.add_post("/telegram", forward)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/telegram"
    finally:
        await runner.cleanup()
        await session.close()


@asynccontextmanager
async def webhook_instance(
    api: FakeBotApi, url: str, port: int, public_url: str
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    settings = load_settings(
        telegram_bot_token=TOKEN,
        telegram_api_url=api.root_url,
        database_url=url,
        plan_interval_seconds=0.2,
        dispatch_interval_seconds=0.2,
    )
    application = build_application(settings, Database(url), load_knowledge(), clock=lambda: NOW)
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="telegram",
        secret_token=SECRET,
        webhook_url=public_url,
        allowed_updates=ALLOWED_UPDATES,
    )
    try:
        yield application
    finally:
        await stop_bot(application)


async def seed(url: str) -> None:
    db = Database(url)
    before = NOW - dt.timedelta(minutes=65)  # 07:55:30, before the first tip of the hour
    async with db.transaction() as session:
        for athlete_id in [*TIP_ATHLETES, TESTER]:
            athlete = Athlete(
                id=athlete_id,
                first_name=f"A{athlete_id}",
                language="en",
                timezone="Europe/Helsinki",
                run_days_mask=0,
                triathlete=False,
                consent_at=before,
                onboarded_at=before,
                active=True,
                created_at=before,
            )
            session.add(athlete)
            await session.flush()
            if athlete_id != TESTER:
                settings = reminders.new_settings(athlete_id, before)
                planner.reschedule(settings, athlete, before)
                session.add(settings)
    await db.dispose()


async def test_two_instances_share_one_database(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    await seed(database_url)
    for athlete_id in TIP_ATHLETES:  # they wrote to the bot before, so it may write to them
        FakeUser(api, athlete_id, started=True)
    ports = [free_port(), free_port()]
    backends = [f"http://127.0.0.1:{p}/telegram" for p in ports]
    hits = dict.fromkeys(backends, 0)
    async with AsyncExitStack() as stack:
        balancer = await stack.enter_async_context(round_robin(backends, hits))
        for port in ports:
            await stack.enter_async_context(webhook_instance(api, database_url, port, balancer))

        ann = FakeUser(api, TESTER, first_name="Ann")
        ann.send_command("/selftest")
        for index, step in enumerate(kb.selftest.steps):
            choice = step.options[index % len(step.options)]
            await tap_when_shown(ann, text_for(choice.label, "en"), contains=f"{index + 1} of")
        await ann.wait_message_async(contains=kb.ui_text("plan_title", "en"))
        assert min(hits.values()) >= len(kb.selftest.steps) // 2

        db = Database(database_url)

        async def open_deliveries() -> int:
            async with db.transaction() as session:
                total = await session.scalar(select(func.count()).select_from(Delivery))
                waiting = await session.scalar(
                    select(func.count()).where(Delivery.status.in_(outbox.WAITING))
                )
            return -1 if total != len(TIP_ATHLETES) else int(waiting or 0)

        async def all_sent() -> bool:
            return await open_deliveries() == 0

        await eventually(all_sent, "every tip to be sent")

        async with db.transaction() as session:
            statuses = (await session.scalars(select(Delivery.status))).all()
            [result] = await selftest.results(session, TESTER)
        await db.dispose()

    assert statuses == ["sent"] * len(TIP_ATHLETES)
    for athlete_id in TIP_ATHLETES:
        assert len(api.messages(athlete_id)) == 1, athlete_id
    assert result.answers == {
        step.id: step.options[index % len(step.options)].id
        for index, step in enumerate(kb.selftest.steps)
    }
