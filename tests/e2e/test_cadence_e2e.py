"""A scripted athlete sends run files to the real bot (in-process, fake Bot API over HTTP).

Expected figures are computed here from the generated runs' plans, not by the
code under test; the bot must match them, refuse bad files with a reason, and
store nothing for a file it refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from zoneinfo import ZoneInfo

import pytest
from fit_tool.profile.profile_type import Sport  # type: ignore[import-untyped]
from sqlalchemy import func, select
from telegram.ext import Application

from bot.app import ALLOWED_UPDATES, build_application
from bot.settings import load_settings
from coaching.cadence.models import CadenceRun
from coaching.db import Database
from coaching.models import Athlete
from fakeapi import BotEvent, FakeBotApi, FakeUser
from knowledge import load_knowledge
from knowledge.i18n import format_local_datetime
from tests.cadence.runfiles import RunPlan, Truth, fit_bytes, gpx_bytes, standard_run, tcx_bytes
from tests.e2e.harness import stop_bot

TOKEN = "123456:" + "A" * 35
ATHLETE_ID = 4242
HELSINKI = ZoneInfo("Europe/Helsinki")


@pytest.fixture
async def athlete_database(database_url: str) -> str:
    """The test database with the athlete already known to the bot."""
    url = database_url
    db = Database(url)
    try:
        async with db.transaction() as session:
            session.add(
                Athlete(id=ATHLETE_ID, first_name="Ann", language="en", timezone="Europe/Helsinki")
            )
    finally:
        await db.dispose()
    return url


@pytest.fixture
async def bot(api: FakeBotApi, athlete_database: str) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    database_url = athlete_database
    settings = load_settings(
        telegram_bot_token=TOKEN, telegram_api_url=api.root_url, database_url=database_url
    )
    app = build_application(settings, Database(database_url), load_knowledge())
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
    try:
        yield app
    finally:
        await stop_bot(app)


async def stored_runs(database_url: str) -> int:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            count = await session.scalar(select(func.count()).select_from(CadenceRun))
            return int(count or 0)
    finally:
        await db.dispose()


def mmss(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def spm(value: float) -> int:
    return int(value + 0.5)


def local(start: dt.datetime) -> str:
    return format_local_datetime(start, HELSINKI, "en")


def assert_figures(reply: BotEvent, start: dt.datetime, truth: Truth) -> None:
    text = reply.text or ""
    assert f"Your run on {local(start)}" in text
    assert f"Running time: {mmss(truth.duration_s)} (pauses left out)" in text
    assert f"Distance: {truth.distance_m / 1000:.2f} km" in text
    assert f"Average cadence: {spm(truth.avg_cadence_spm)} steps/min" in text
    assert f"In 170–180: {round(100 * truth.share_in_target)}% of your running time" in text
    labels = ["Easiest third", "Middle third", "Fastest third"]
    for label, pace, cadence in zip(
        labels, truth.band_paces_s_per_km, truth.band_cadences, strict=True
    ):
        assert f"{label} ({mmss(pace)} min/km): {spm(cadence)} steps/min" in text


async def expect_chart(ann: FakeUser) -> None:
    chart = await ann.wait_message_async(contains="green band")
    assert chart.message.kind == "photo"
    assert (chart.message.data or b"").startswith(b"\x89PNG\r\n\x1a\n")


async def test_athlete_sends_runs_and_sees_the_trend(
    api: FakeBotApi,
    bot: Application,  # type: ignore[type-arg]
    database_url: str,
) -> None:
    ann = FakeUser(api, ATHLETE_ID)
    ann.send_command("/cadence")
    await ann.wait_message_async(contains="You haven't sent me a run yet")

    # 1. A FIT file: strides per minute by definition, half strides included.
    first_start = dt.datetime(2026, 5, 1, 6, 0, tzinfo=dt.UTC)
    first = standard_run(first_start)
    ann.send_document("Morning_Run.fit", fit_bytes(first), mime_type="application/octet-stream")
    reply = await ann.wait_message_async(contains="Your run on")
    assert_figures(reply, first_start, first.truth())
    assert "Your watch records strides per minute (one foot); I doubled them" in (reply.text or "")
    assert 170 <= spm(first.truth().avg_cadence_spm) <= 180
    assert "Keep those short, quick steps" in (reply.text or "")  # inside: keep it
    assert "Saved to your cadence history" in (reply.text or "")
    await expect_chart(ann)

    # 2. A Garmin GPX export: strides, told apart by their range; below the target.
    second_start = dt.datetime(2026, 5, 3, 15, 30, tzinfo=dt.UTC)
    second = (
        RunPlan(second_start)
        .run(900, 2.7, lambda k: 158.0 if k % 2 else 162.0)
        .pause(120)
        .run(900, 3.0, 166.0)
        .run(900, 3.4, lambda k: 168.0 if k % 4 else 176.0)
    )
    ann.send_document("evening.gpx", gpx_bytes(second, unit="strides"))
    reply = await ann.wait_message_async(contains="Your run on")
    assert_figures(reply, second_start, second.truth())
    assert "look like strides (one foot), so I doubled them" in (reply.text or "")
    assert "170–180 steps per minute" in (reply.text or "")  # the method's target, from the KB
    await expect_chart(ann)

    ann.send_command("/cadence")
    trend = await ann.wait_message_async(contains="Your cadence, latest runs")
    first_avg, second_avg = (spm(p.truth().avg_cadence_spm) for p in (first, second))
    assert f"{local(first_start)}: {first_avg} steps/min" in (trend.text or "")
    assert f"{local(second_start)}: {second_avg} steps/min" in (trend.text or "")
    assert f"Since your previous run: −{first_avg - second_avg} steps/min." in (trend.text or "")

    # 3. A TCX from an exporter that writes steps; above the target.
    third_start = dt.datetime(2026, 5, 5, 5, 0, tzinfo=dt.UTC)
    third = (
        RunPlan(third_start)
        .run(600, 3.2, 182.0)
        .stand(45)
        .run(600, 3.6, 184.0)
        .run(600, 4.1, lambda k: 186.0 if k % 2 else 188.0)
    )
    ann.send_document("tempo.tcx", tcx_bytes(third, unit="steps"))
    reply = await ann.wait_message_async(contains="Your run on")
    assert_figures(reply, third_start, third.truth())
    assert "look like steps per minute already" in (reply.text or "")
    assert "no need to push higher" in (reply.text or "")
    await expect_chart(ann)

    ann.send_command("/cadence")
    trend = await ann.wait_message_async(contains="Your cadence, latest runs")
    third_avg = spm(third.truth().avg_cadence_spm)
    assert f"+{third_avg - second_avg}</b> steps/min" in (trend.message.raw_text or "")
    assert f"Across these 3 runs: {first_avg} → {third_avg} steps/min." in (trend.text or "")
    lines = (trend.text or "").splitlines()
    assert [line.split(":")[0][:10] for line in lines[1:4]] == [
        local(first_start)[:10],
        local(second_start)[:10],
        local(third_start)[:10],
    ]
    assert await stored_runs(database_url) == 3

    # The same file again replaces the run instead of adding a second one.
    ann.send_document("Morning_Run.fit", fit_bytes(first))
    reply = await ann.wait_message_async(contains="Your run on")
    assert "I already had this run, so I updated it" in (reply.text or "")
    await expect_chart(ann)
    assert await stored_runs(database_url) == 3


BAD_FILES: list[tuple[str, Callable[[dt.datetime], bytes], str]] = [
    ("ride.fit", lambda s: fit_bytes(standard_run(s), Sport.CYCLING), "looks like a ride"),
    ("ride.tcx", lambda s: tcx_bytes(standard_run(s), sport="Biking"), "looks like a ride"),
    (
        "ride.gpx",
        lambda s: gpx_bytes(standard_run(s), activity_type="cycling"),
        "looks like a ride",
    ),
    ("plain.gpx", lambda s: gpx_bytes(standard_run(s), with_cadence=False), "has no cadence"),
    ("broken.fit", lambda s: fit_bytes(standard_run(s))[:13], "couldn't read that file"),
    ("broken.gpx", lambda s: b"<gpx><trk><trkseg><trkpt", "couldn't read that file"),
    ("empty.tcx", lambda s: b"", "That file is empty"),
    ("notes.csv", lambda s: b"km,time\n5,25:00\n", "I read running cadence from"),
    ("short.fit", lambda s: fit_bytes(RunPlan(s).run(20, 3.0, 172.0)), "too short"),
]


async def test_bad_files_get_a_reason_and_store_nothing(
    api: FakeBotApi,
    bot: Application,  # type: ignore[type-arg]
    database_url: str,
) -> None:
    ann = FakeUser(api, ATHLETE_ID)
    start = dt.datetime(2026, 5, 7, 6, 0, tzinfo=dt.UTC)
    for filename, make, expected in BAD_FILES:
        ann.send_document(filename, make(start))
        reply = await ann.wait_message_async()
        assert expected in (reply.text or ""), (filename, reply.text)
    huge = b"\0" * (10 * 1024 * 1024 + 1)
    ann.send_document("huge.fit", huge)
    reply = await ann.wait_message_async()
    assert "too large for me (over 10 MB)" in (reply.text or "")
    await ann.assert_no_message_async(within=0.3)  # one reply per file, no chart
    assert await stored_runs(database_url) == 0
    # The bot is still fine: a good file right after works.
    ann.send_document("ok.gpx", gpx_bytes(standard_run(start), unit="steps"))
    await ann.wait_message_async(contains="Your run on")
    assert await stored_runs(database_url) == 1


async def test_stranger_is_asked_to_start(
    api: FakeBotApi,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    stranger = FakeUser(api, 999)
    stranger.send_document(
        "run.fit", fit_bytes(standard_run(dt.datetime(2026, 5, 1, tzinfo=dt.UTC)))
    )
    await stranger.wait_message_async(contains="send /start")


async def test_a_file_cut_short_is_read_as_far_as_it_goes_and_says_so(
    api: FakeBotApi,
    bot: Application,  # type: ignore[type-arg]
    database_url: str,
) -> None:
    ann = FakeUser(api, ATHLETE_ID)
    start = dt.datetime(2026, 5, 7, 6, 0, tzinfo=dt.UTC)
    ann.send_document("cut.fit", fit_bytes(standard_run(start))[:-40])
    reply = await ann.wait_message_async(contains="Your run on")
    assert "Only part of this file could be read" in (reply.text or "")
    assert await stored_runs(database_url) == 1
