"""A shared location answers the time-zone question; elsewhere it changes nothing."""

from __future__ import annotations

from coaching.db import Database
from coaching.models import Athlete
from fakeapi import FakeBotApi, FakeUser
from knowledge import KnowledgeBase
from tests.e2e.harness import running_bot, tap_when_shown


async def test_location_sets_the_time_zone(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    async with running_bot(api, database_url):
        eva = FakeUser(api, 3301, first_name="Eva")
        eva.send_location(0.0, -160.0)  # before /start: nothing to set
        await eva.wait_message_async(contains="/start")
        eva.send_command("/start")
        await tap_when_shown(eva, kb.ui_text("consent_yes", "en"))
        await eva.wait_message_async(contains="time zone")
        eva.send_location(95.0, 10.0)  # no such place
        await eva.wait_message_async(contains=kb.ui_text("location_unknown", "en")[:25])
        eva.send_location(60.17, 24.94)  # Helsinki
        await eva.wait_message_async(contains="Europe/Helsinki")
        await eva.wait_message_async(contains=kb.ui_text("ask_run_days", "en")[:25])
        eva.send_location(40.7, -74.0)  # too late: the zone is not changed by this
        await eva.wait_message_async(contains=kb.ui_text("location_not_needed", "en")[:25])

    db = Database(database_url)
    async with db.transaction() as session:
        athlete = await session.get(Athlete, 3301)
    await db.dispose()
    assert athlete is not None and athlete.timezone == "Europe/Helsinki"
