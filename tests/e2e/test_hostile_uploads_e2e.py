"""An athlete uploads files built to break the reader; the bot refuses them and keeps answering.

The real Application runs against the fake Bot API; uploads are analysed in
the real worker pool. The analysis is held at a gate (`tests.cadence.jobs`)
until the test lets it go on, so "another athlete is answered while the file
is being read" is a fact the test arranges, not a race it hopes to win.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.handlers import cadence as cadence_handler
from coaching.cadence.models import CadenceRun
from coaching.db import Database
from fakeapi import FakeBotApi, FakeUser
from tests.athletes import add_athlete
from tests.cadence import jobs
from tests.cadence.hostile import deep_extensions_gpx, nested_activities_tcx
from tests.cadence.jobs import Gate
from tests.cadence.runfiles import gpx_bytes, standard_run
from tests.e2e.harness import running_bot

ANN, BOB = 5151, 5252
START = dt.datetime(2026, 5, 1, 6, 0, tzinfo=dt.UTC)
TOO_COMPLEX = "too complex for me to read"
HELP = "What I can do"
WORKER_WAIT = 120.0
"""Seconds a reply may take when a worker process has to start first (a busy CI machine)."""


@pytest.fixture
async def athletes(database_url: str) -> AsyncIterator[str]:
    db = Database(database_url)
    try:
        for athlete_id in (ANN, BOB):
            await add_athlete(db, athlete_id, START, with_settings=False)
    finally:
        await db.dispose()
    yield database_url


async def stored_runs(database_url: str) -> int:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(CadenceRun)) or 0)
    finally:
        await db.dispose()


async def test_hostile_gpx_and_tcx_are_too_complex_and_others_are_answered_meanwhile(
    api: FakeBotApi, athletes: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann, bob = FakeUser(api, ANN, "Ann"), FakeUser(api, BOB, "Bob")
    async with Gate() as gate, running_bot(api, athletes):
        monkeypatch.setattr(
            cadence_handler, "ANALYSE", functools.partial(jobs.analyse_at_gate, gate.address)
        )
        ann.send_document("deep.gpx", deep_extensions_gpx(200_000))  # 1.4 MB, 200,000 levels
        ann.send_document("nested.tcx", nested_activities_tcx(1_100))  # 470 KB of <Activity>
        await gate.arrivals(1, timeout=WORKER_WAIT)  # her GPX is in a worker, held there

        bob.send_command("/help")
        await bob.wait_message_async(contains=HELP)  # answered while Ann's file is read
        assert gate.arrived == 1  # her TCX waits for her GPX: one analysis per athlete

        gate.open()
        first = await ann.wait_message_async(timeout=WORKER_WAIT)
        second = await ann.wait_message_async(timeout=WORKER_WAIT)
        assert TOO_COMPLEX in (first.text or "") and TOO_COMPLEX in (second.text or "")

        # The bot and its workers are fine: a real run right after is read and stored.
        ann.send_document("run.gpx", gpx_bytes(standard_run(START)))
        await ann.wait_message_async(contains="Your run on", timeout=WORKER_WAIT)
    assert await stored_runs(athletes) == 1


async def test_a_file_that_crashes_its_worker_costs_only_that_worker(
    api: FakeBotApi, athletes: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A parser bug that segfaults (as gpxpy's deep copy did) kills a worker, not the bot."""
    ann, bob = FakeUser(api, ANN, "Ann"), FakeUser(api, BOB, "Bob")
    async with Gate() as gate, running_bot(api, athletes):
        monkeypatch.setattr(
            cadence_handler, "ANALYSE", functools.partial(jobs.analyse_or_crash, gate.address)
        )
        ann.send_document("crash.gpx", jobs.CRASH)
        await gate.arrivals(1, timeout=WORKER_WAIT)
        bob.send_command("/help")
        await bob.wait_message_async(contains=HELP)
        gate.open()  # the worker now dies of SIGSEGV
        reply = await ann.wait_message_async(timeout=WORKER_WAIT)
        assert TOO_COMPLEX in (reply.text or "")

        ann.send_document("run.gpx", gpx_bytes(standard_run(START)))  # a new worker reads it
        await ann.wait_message_async(contains="Your run on", timeout=WORKER_WAIT)
        bob.send_command("/help")
        await bob.wait_message_async(contains=HELP)
    assert await stored_runs(athletes) == 1
