"""The weekly strength check-in end to end: asked at local time, answered, streak told honestly.

Dan (a runner) and Eve (a triathlete) live in Helsinki with the default
check-in, Sunday 18:00. The bot's clock steps from Sunday to Sunday through
March 2026, across the change to summer time on the 29th; each answer is read
back from the `checkin` table, and buttons that are not the athlete's current
check-in change nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from coaching.db import Database
from fakeapi import BotEvent, FakeBotApi, FakeUser
from tests.e2e.clocked import (
    UTC,
    Clock,
    add_athlete,
    button_data,
    checkins,
    clocked_bot,
    deliveries,
    has_button,
    press,
    tap_answer,
)
from tests.waits import eventually

DAN = 5104
EVE = 5105
if TYPE_CHECKING:
    from coaching.reminders.models import Checkin

STALE = "That button is from an older message and no longer works."


def utc(day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


async def recorded(db: Database, athlete_id: int) -> bool:
    return all(d.status == "sent" for d in await deliveries(db, athlete_id))


async def check_in(user: FakeUser) -> BotEvent:
    return await user.wait_message_async(contains="Strength check-in", predicate=has_button("1"))


def answers(rows: list[Checkin]) -> list[tuple[dt.date, int, bool | None]]:
    return [(r.week_start, r.strength_sessions, r.swam) for r in rows]


async def test_weekly_checkin_streak(api: FakeBotApi, database_url: str) -> None:
    clock = Clock(utc(8, 15, 59))  # Sunday 8 March, 17:59 in Helsinki
    db = Database(database_url)
    await add_athlete(db, DAN, clock.now, tips=False)
    await add_athlete(db, EVE, clock.now, tips=False, triathlete=True)
    dan = FakeUser(api, DAN, first_name="Dan", started=True)
    eve = FakeUser(api, EVE, first_name="Eve", started=True)
    async with clocked_bot(api, db, clock):
        await dan.assert_no_message_async(within=0.5)  # not before 18:00 local

        clock.now = utc(8, 16, 0, 5)
        week1 = await check_in(dan)
        assert "How many free-weight strength sessions" in (week1.text or "")
        eve_week1 = await check_in(eve)
        await eventually(lambda: recorded(db, DAN), "Dan's check-in to be recorded as sent")
        [sent] = await deliveries(db, DAN)
        assert (sent.kind, sent.status, sent.due_at) == ("checkin", "sent", utc(8, 16))
        assert sent.payload == {"week": "2026-03-02"}
        [eve_sent] = await deliveries(db, EVE)

        # Forged and foreign buttons are answered as stale and store nothing.
        assert await tap_answer(dan, week1, "ci:999999:s:2") == STALE
        assert await tap_answer(dan, week1, f"ci:{eve_sent.id}:s:2") == STALE
        assert await tap_answer(dan, week1, f"ci:{sent.id}:s:7") == STALE
        assert await tap_answer(dan, week1, f"ci:{sent.id}:w:y") == STALE  # Dan does not swim
        assert await tap_answer(eve, eve_week1, f"ci:{eve_sent.id}:w:y") == STALE  # swim first
        assert await checkins(db, DAN) == [] and await checkins(db, EVE) == []

        # Week 1: Dan did two; goal met, but no streak to speak of yet.
        reply = await press(dan, "2 or more", week1, "goal met")
        assert "Two sessions or more: goal met this week." in (reply.text or "")
        assert answers(await checkins(db, DAN)) == [(dt.date(2026, 3, 2), 2, None)]
        [row] = await checkins(db, DAN)
        assert row.delivery_id == sent.id

        # Eve did one and did not swim: she is asked, and nudged to swim.
        question = await press(eve, "1", eve_week1, "And did you swim this week?")
        reply = await press(eve, "No", question, "One session is a real start")
        assert "swimming comes first" in (reply.text or "")
        assert answers(await checkins(db, EVE)) == [(dt.date(2026, 3, 2), 1, False)]

        # Week 2: two again, a streak of 2; week 1's old button is now stale.
        clock.now = utc(15, 16, 0, 5)
        week2 = await check_in(dan)
        eve_week2 = await check_in(eve)
        reply = await press(dan, "2 or more", week2, "in a row")
        assert "2 weeks in a row" in (reply.text or "")
        assert await tap_answer(dan, week1, button_data(week1, "0")) == STALE
        assert answers(await checkins(db, DAN)) == [
            (dt.date(2026, 3, 2), 2, None),
            (dt.date(2026, 3, 9), 2, None),
        ]
        # Eve's two sessions meet the goal for the first time: no streak claimed.
        question = await press(eve, "2 or more", eve_week2, "And did you swim this week?")
        reply = await press(eve, "Yes", question, "goal met")
        assert "Two sessions or more: goal met this week." in (reply.text or "")
        assert "swimming comes first" not in (reply.text or "")
        assert answers(await checkins(db, EVE))[-1] == (dt.date(2026, 3, 9), 2, True)

        # Week 3: one session resets the streak.
        clock.now = utc(22, 16, 0, 5)
        week3 = await check_in(dan)
        reply = await press(dan, "1", week3, "One session is a real start")
        assert "in a row" not in (reply.text or "")

        # Week 4, after the change to summer time: still 18:00 local, now 15:00 UTC.
        clock.now = utc(29, 14, 59, 30)
        await dan.assert_no_message_async(within=0.5)
        clock.now = utc(29, 15, 0, 5)
        week4 = await check_in(dan)
        reply = await press(dan, "2 or more", week4, "goal met")
        assert "Two sessions or more: goal met this week." in (reply.text or "")
        assert "in a row" not in (reply.text or "")
        # A double tap on this week's check-in stores the same answer once more: harmless.
        assert await tap_answer(dan, week4, button_data(week4, "2 or more")) is None
        await dan.wait_message_async(contains="Two sessions or more: goal met this week.")

        assert answers(await checkins(db, DAN)) == [
            (dt.date(2026, 3, 2), 2, None),
            (dt.date(2026, 3, 9), 2, None),
            (dt.date(2026, 3, 16), 1, None),
            (dt.date(2026, 3, 23), 2, None),
        ]
        due = [d.due_at for d in await deliveries(db, DAN)]
        assert due == [utc(8, 16), utc(15, 16), utc(22, 16), utc(29, 15)]
