"""An athlete sends clips to the real bot through the fake Bot API and gets figures or reasons.

The worker is the real video worker; only the pose model is replaced by a
landmark source (tests/video/sources.py), so what is measured is known.
Clips refused before the worker (format, size) are real bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from telegram.ext import Application

import coaching.video
from bot import video_runs
from bot.app import ALLOWED_UPDATES, build_application
from bot.handlers import video as video_handler
from bot.settings import load_settings
from coaching.db import Database
from coaching.models import Athlete
from coaching.video import VideoQueue, close_video_queue
from coaching.video.models import VideoAnalysis
from fakeapi import FakeBotApi, FakeUser
from knowledge import load_knowledge
from tests.e2e.harness import stop_bot
from tests.video.sources import clip_of, synthetic_clip

pytest.importorskip("cv2", reason="the video extra is not installed")

App = Application[Any, Any, Any, Any, Any, Any]
NOW = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)
TOKEN = "123456:" + "A" * 35
ATHLETE_ID = 5151


@pytest.fixture
async def bot(
    api: FakeBotApi, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[App]:
    monkeypatch.setattr(video_runs, "ANALYSE", synthetic_clip)
    # The landmark source needs no pose model: a worker that does not load one starts faster.
    close_video_queue()
    monkeypatch.setattr(coaching.video, "_queue", VideoQueue())
    monkeypatch.setattr(video_handler, "AVAILABLE", lambda: True)
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            session.add(
                Athlete(
                    id=ATHLETE_ID, first_name="Ann", language="en", timezone="UTC", consent_at=NOW
                )
            )
    finally:
        await db.dispose()
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


async def stored(database_url: str) -> list[VideoAnalysis]:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            return list(await session.scalars(select(VideoAnalysis)))
    finally:
        await db.dispose()


async def count(database_url: str) -> int:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(VideoAnalysis)) or 0)
    finally:
        await db.dispose()


async def test_video_explains_how_to_film(api: FakeBotApi, bot: App) -> None:
    ann = FakeUser(api, ATHLETE_ID)
    ann.send_command("/video")
    howto = await ann.wait_message_async(contains="Measure your running form")
    text = howto.text or ""
    assert "From behind" in text and "2 seconds" in text and "20 MB" in text
    assert "If running hurts, stop" in text


async def test_a_side_view_clip_gets_cadence_overstride_and_a_still(
    api: FakeBotApi,
    bot: App,
    database_url: str,
) -> None:
    ann = FakeUser(api, ATHLETE_ID)
    ann.send_video(clip_of(cadence_spm=176.0, reach=0.25), duration=10)
    await ann.wait_message_async(contains="Analysing your video")
    figures = await ann.wait_message_async(contains="Your running form from video")
    assert figures.kind == "edit"
    text = figures.text or ""
    assert "Cadence: 176 steps/min, from 29 foot contacts" in text
    assert "Foot landing: your heel lands 0.2" in text
    assert "Pelvic drop" not in text
    still = await ann.wait_message_async(contains="typical foot landing")
    assert still.message.kind == "photo"
    assert (still.message.data or b"").startswith(b"\xff\xd8")
    [row] = await stored(database_url)
    assert row.athlete_id == ATHLETE_ID and row.view == "side" and row.steps == 29
    assert row.overstride_legs == pytest.approx(0.25, abs=0.02)
    assert row.pelvic_left_deg is None


async def test_a_rear_view_clip_gets_pelvic_drop_per_side(
    api: FakeBotApi,
    bot: App,
    database_url: str,
) -> None:
    ann = FakeUser(api, ATHLETE_ID)
    spec = clip_of(view="rear", standing_s=2.0, seconds=12.0, drop_left=7.0, drop_right=2.5)
    ann.send_document("run.mov", spec, mime_type="video/quicktime")
    figures = await ann.wait_message_async(contains="Pelvic drop")
    text = figures.text or ""
    assert "standing on your left leg: 6." in text or "standing on your left leg: 7." in text
    assert "more when you stand on your left leg" in text
    assert "glutes" in text and "estimates" in text
    [row] = await stored(database_url)
    assert row.view == "rear" and row.pelvic_more_on == "left"


@pytest.mark.parametrize(
    ("runner", "played", "says"),
    [
        ({"cadence_spm": 170 / 4, "seconds": 30.0}, 30, "looks like slow motion"),
        ({"seconds": 10.0}, 40, "looks like slow motion"),
        ({"seconds": 3.0}, 3, "at least 12 steps"),
        ({"body_share": 0.3}, 10, "too small"),
    ],
)
async def test_clips_that_cannot_be_measured_are_refused_with_a_reason(
    api: FakeBotApi,
    bot: App,
    database_url: str,
    runner: dict[str, float],
    played: int,
    says: str,
) -> None:
    ann = FakeUser(api, ATHLETE_ID)
    ann.send_video(clip_of(**runner), duration=played)
    refusal = await ann.wait_message_async(contains=says)
    assert refusal.kind == "edit"
    assert await count(database_url) == 0


async def test_a_round_video_message_is_measured_too(
    api: FakeBotApi,
    bot: App,
) -> None:
    ann = FakeUser(api, ATHLETE_ID)
    ann.send_video_note(clip_of(cadence_spm=168.0), duration=10)
    await ann.wait_message_async(contains="Cadence: 168 steps/min")


async def test_wrong_format_and_over_20_mb_are_refused_before_download(
    api: FakeBotApi,
    bot: App,
    database_url: str,
) -> None:
    ann = FakeUser(api, ATHLETE_ID)
    ann.send_document("run.avi", b"RIFF....AVI LIST", mime_type="video/x-msvideo")
    await ann.wait_message_async(contains="mp4")
    big = b"\x00" * (20 * 1024 * 1024 + 1)
    ann.send_video(big, duration=25)
    await ann.wait_message_async(contains="over 20 MB")
    # Without a size in the update, Telegram's getFile refuses it ("file is too big").
    ann.send_video(big, duration=25, sized=False)
    await ann.wait_message_async(contains="Analysing your video")
    refused = await ann.wait_message_async(contains="over 20 MB")
    assert refused.kind == "edit"
    assert await count(database_url) == 0


async def test_a_server_without_the_extra_says_so(
    api: FakeBotApi,
    bot: App,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(video_handler, "AVAILABLE", lambda: False)
    ann = FakeUser(api, ATHLETE_ID)
    ann.send_video(clip_of(), duration=10)
    await ann.wait_message_async(contains="isn't installed on this server")


async def test_one_clip_per_athlete_and_a_place_in_line(
    api: FakeBotApi, bot: App, tmp_path: Path, database_url: str
) -> None:
    release = tmp_path / "release"
    ann = FakeUser(api, ATHLETE_ID)
    ann.send_video(clip_of(cadence_spm=170.0, hold=str(release)), duration=10)
    await ann.wait_message_async(contains="Analysing your video")
    progress = await ann.wait_message_async(contains="Analysing your video… 50%")
    assert progress.kind == "edit"
    ann.send_video(clip_of(cadence_spm=180.0), duration=10)
    await ann.wait_message_async(contains="still working on your previous video")
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            session.add(Athlete(id=ATHLETE_ID + 1, first_name="Bo", language="fi", timezone="UTC"))
    finally:
        await db.dispose()
    bo = FakeUser(api, ATHLETE_ID + 1, first_name="Bo", language_code="fi")
    bo.send_video(clip_of(cadence_spm=164.0), duration=10)
    await bo.wait_message_async(contains="jonossa sijalla 2")
    release.touch()
    await ann.wait_message_async(contains="Cadence: 170 steps/min")
    await bo.wait_message_async(contains="Askeltiheys: 164 askelta/min")


async def test_without_consent_to_health_data_the_figures_are_shown_not_stored(
    api: FakeBotApi, bot: App, database_url: str
) -> None:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            session.add(Athlete(id=ATHLETE_ID + 2, first_name="Cy", language="en", timezone="UTC"))
    finally:
        await db.dispose()
    cy = FakeUser(api, ATHLETE_ID + 2, first_name="Cy")
    cy.send_video(clip_of(cadence_spm=172.0), duration=10)
    figures = await cy.wait_message_async(contains="Cadence: 172 steps/min")
    assert "Not saved" in (figures.text or "")
    assert await count(database_url) == 0


async def test_hipcoach_run_starts_the_video_worker_with_the_bot(
    api: FakeBotApi, database_url: str
) -> None:
    pytest.importorskip("mediapipe", reason="the video extra is not installed")
    from bot.app import WARM_VIDEO_KEY
    from coaching import video

    settings = load_settings(
        telegram_bot_token=TOKEN, telegram_api_url=api.root_url, database_url=database_url
    )
    close_video_queue()
    app = build_application(settings, Database(database_url), load_knowledge(), warm_video=True)
    await app.initialize()
    try:
        assert app.post_init is not None
        await app.post_init(app)  # what run_polling and run_webhook do after initialize
        await app.bot_data[WARM_VIDEO_KEY]
        assert video.video_queue().pool.started == 1, "the worker is up before any clip"
    finally:
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
