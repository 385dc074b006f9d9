"""A snooze never outlasts the run, and a reminder answered days later is thanked as late.

The real bot on a clock the test moves (`tests.e2e.clocked`): the planner and
dispatcher send the warm-up reminder when its time comes.
"""

from __future__ import annotations

import datetime as dt

import pytest

from coaching.db import Database
from coaching.models import Athlete
from fakeapi import FakeBotApi, FakeUser
from knowledge import KnowledgeBase
from tests.e2e.clocked import (
    FRI,
    UTC,
    Clock,
    add_athlete,
    clocked_bot,
    deliveries,
    has_button,
    tap_answer,
    warmup_acks,
)

DAN = 5201
EVE = 5202
SNOOZE = "Snooze 15 min"


def utc(day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


async def test_no_snooze_within_fifteen_minutes_of_the_run(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    # Friday 20 March 2026 in Helsinki (UTC+2); Dan runs at 07:30 and is reminded 15 min before.
    clock = Clock(utc(20, 5, 0))
    db = Database(database_url)
    await add_athlete(
        db, DAN, clock.now, run_days=(FRI,), run_time=dt.time(7, 30), lead=15, tips=False
    )
    dan = FakeUser(api, DAN, first_name="Dan", started=True)
    async with clocked_bot(api, db, clock):
        clock.now = utc(20, 5, 15, 5)  # 07:15:05 local
        reminder = await dan.wait_message_async(
            contains="activation", predicate=has_button(kb.ui_text("warmup_done_button", "en"))
        )
        assert not has_button(SNOOZE)(reminder)
        too_late = kb.ui_text("snooze_too_late", "en")
        (warmup,) = await deliveries(db, DAN)
        assert await tap_answer(dan, reminder, f"rm:{warmup.id}:z") == too_late  # an old client
        dan.send_command("/snooze")
        await dan.wait_message_async(contains=too_late)
        assert [d.kind for d in await deliveries(db, DAN)] == ["warmup"]  # nothing snoozed


@pytest.mark.parametrize(("lang", "run"), [("en", "Fri, Mar 20, 07:30"), ("fi", "pe 20.3. 7.30")])
async def test_a_reminder_answered_days_later_is_thanked_as_late(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase, lang: str, run: str
) -> None:
    """The late reply names the run's day and time in the athlete's language and zone."""
    clock = Clock(utc(20, 4, 40))
    db = Database(database_url)
    await add_athlete(db, EVE, clock.now, run_days=(FRI,), run_time=dt.time(7, 30), tips=False)
    async with db.transaction() as session:
        athlete = await session.get(Athlete, EVE)
        assert athlete is not None
        athlete.language = lang
    eve = FakeUser(api, EVE, first_name="Eve", started=True)
    snooze = kb.ui_text("warmup_snooze_button", lang)
    async with clocked_bot(api, db, clock):
        clock.now = utc(20, 4, 45, 5)  # 06:45:05 local, 45 minutes before the run
        reminder = await eve.wait_message_async(predicate=has_button(snooze))
        clock.now = utc(22, 10, 0)  # Sunday
        await eve.wait_callback_answered_async(
            eve.tap(kb.ui_text("warmup_done_button", lang), in_message=reminder)
        )
        said = kb.ui_text("warmup_late_reply", lang, run=run)
        late = await eve.wait_message_async(contains=said)
        assert kb.ui_text("warmup_done_reply", lang) not in (late.text or "")
        acks = await warmup_acks(db, EVE)
    assert [a.answer for a in acks] == ["done"]  # stored all the same
