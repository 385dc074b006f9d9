"""/pause, /resume and /snooze end to end, with the plan and dispatch jobs running.

The bot's clock is moved past due instants; the tests wait until the planner
has moved `next_*_at` on (or a message arrives) and then check what was, and
was not, delivered.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from coaching.db import Database
from coaching.models import Athlete
from fakeapi import FakeBotApi, FakeUser
from scheduler.recurrence import tip_offset
from tests.e2e.clocked import (
    FRI,
    UTC,
    Clock,
    add_athlete,
    button_data,
    clocked_bot,
    deliveries,
    has_button,
    stored_settings,
    tap_answer,
    warmup_acks,
)
from tests.waits import eventually

if TYPE_CHECKING:
    from coaching.outbox import Delivery

BEN = 5102
CARA = 5103


def utc(day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


def ben_tip(day: int, hour: int) -> dt.datetime:
    """Ben's tip: 08:00 local plus his place in the hour after it (tips are spread)."""
    return utc(day, hour) + tip_offset(BEN)


async def next_tip_reaches(db: Database, athlete_id: int, when: dt.datetime) -> None:
    """Wait until the planner has dealt with the tip due before `when`."""

    async def moved() -> bool:
        return (await stored_settings(db, athlete_id)).next_tip_at == when

    await eventually(moved, f"next_tip_at to reach {when.isoformat()}")


async def test_pause_says_until_when_in_the_athletes_language(
    api: FakeBotApi, database_url: str
) -> None:
    """A Finnish athlete reads the date and time of the end of the pause as Finnish writes
    it, in the reply to /pause and in /settings."""
    clock = Clock(utc(9, 5, 55))  # Monday 9 March 2026, 07:55 in Helsinki
    db = Database(database_url)
    await add_athlete(db, CARA, clock.now, checkins=False)
    async with db.transaction() as session:
        athlete = await session.get(Athlete, CARA)
        assert athlete is not None
        athlete.language = "fi"
    cara = FakeUser(api, CARA, first_name="Cara")
    async with clocked_bot(api, db, clock):
        cara.send_command("/pause", "7")
        await cara.wait_message_async(contains="keskeytetty 16.3.2026 7.55 asti")
        cara.send_command("/settings")
        await cara.wait_message_async(contains="⏸ Keskeytetty 16.3.2026 7.55 asti")


async def test_pause_holds_tips_until_resume(api: FakeBotApi, database_url: str) -> None:
    # Monday 9 March 2026, 07:55 in Helsinki; Ben's weekly tip is due at 08:28 (08:00 + 28 min).
    clock = Clock(utc(9, 5, 55))
    db = Database(database_url)
    await add_athlete(db, BEN, clock.now, checkins=False)
    ben = FakeUser(api, BEN, first_name="Ben")
    async with clocked_bot(api, db, clock):
        assert (await stored_settings(db, BEN)).next_tip_at == ben_tip(9, 6)

        # Nonsense is explained and changes nothing.
        for bad in ("abc", "0", "100000"):
            ben.send_command("/pause", bad)
            reply = await ben.wait_message_async(contains="is not a number of days")
            assert f"'{bad}' is not a number of days" in (reply.text or "")
        untouched = await stored_settings(db, BEN)
        assert (untouched.paused, untouched.paused_until) == (False, None)
        assert untouched.next_tip_at == ben_tip(9, 6)

        # /pause 7: this morning's tip is not planned, so nothing is sent.
        ben.send_command("/pause", "7")
        await ben.wait_message_async(contains="paused until Mar 16, 2026, 07:55.")
        paused = await stored_settings(db, BEN)
        assert paused.paused is False and paused.paused_until == utc(16, 5, 55)
        ben.send_command("/settings")
        await ben.wait_message_async(contains="⏸ Paused until Mar 16, 2026, 07:55")
        clock.now = ben_tip(9, 6) + dt.timedelta(seconds=5)
        await next_tip_reaches(db, BEN, ben_tip(16, 6))
        await ben.assert_no_message_async(within=0.5)
        assert await deliveries(db, BEN) == []

        ben.send_command("/resume")
        await ben.wait_message_async(contains="Welcome back!")
        resumed = await stored_settings(db, BEN)
        assert (resumed.paused, resumed.paused_until) == (False, None)
        assert resumed.next_tip_at == ben_tip(16, 6)  # the schedule itself never moved

        # /pause alone: until /resume, however long that is.
        ben.send_command("/pause")
        await ben.wait_message_async(contains="paused. /resume starts them again")
        paused = await stored_settings(db, BEN)
        assert paused.paused is True and paused.paused_until is None
        clock.now = ben_tip(16, 6) + dt.timedelta(seconds=5)
        await next_tip_reaches(db, BEN, ben_tip(23, 6))
        await ben.assert_no_message_async(within=0.5)
        assert await deliveries(db, BEN) == []

        # After /resume the next tip arrives on its usual day and time.
        ben.send_command("/resume")
        await ben.wait_message_async(contains="Welcome back!")
        clock.now = ben_tip(23, 6) + dt.timedelta(seconds=5)
        await ben.wait_message_async(contains="Tip of the week")
        await next_tip_reaches(db, BEN, ben_tip(30, 5))  # 08:28 summer time from 29 March
        await ben.assert_no_message_async(within=0.3)
    sent = await _after(database_url, BEN)
    assert [(d.kind, d.status, d.due_at) for d in sent] == [("tip", "sent", ben_tip(23, 6))]


async def _after(database_url: str, athlete_id: int) -> list[Delivery]:
    """The deliveries as stored, read after the bot (and its database) shut down."""
    check = Database(database_url)
    try:
        return await deliveries(check, athlete_id)
    finally:
        await check.dispose()


async def test_snooze_is_one_extra_delivery(api: FakeBotApi, database_url: str) -> None:
    # Friday 20 March 2026, 06:40:30 in Helsinki; Cara runs on Fridays at 07:30.
    clock = Clock(utc(20, 4, 40, 30))
    db = Database(database_url)
    await add_athlete(db, CARA, clock.now, run_days=(FRI,), run_time=dt.time(7, 30), tips=False)
    cara = FakeUser(api, CARA, first_name="Cara")
    async with clocked_bot(api, db, clock):
        cara.send_command("/snooze")
        await cara.wait_message_async(contains="There is no recent warm-up reminder to snooze.")

        clock.now = utc(20, 4, 45, 5)  # 06:45:05 local: the reminder is due
        reminder = await cara.wait_message_async(
            contains="activation", predicate=has_button("Snooze 15 min")
        )
        assert "07:30" in (reminder.text or "")
        schedule = (await stored_settings(db, CARA)).next_warmup_at
        assert schedule == utc(27, 4, 45)  # next Friday; the planner moved it on

        snooze = button_data(reminder, "Snooze 15 min")
        assert (
            await tap_answer(cara, reminder, snooze) == "OK, I'll remind you again in 15 minutes."
        )
        await cara.wait_message_async(contains="remind you again in 15 minutes")
        rows = await deliveries(db, CARA)
        assert [(d.kind, d.status) for d in rows] == [("warmup", "sent"), ("snooze", "pending")]
        assert rows[1].due_at == utc(20, 5, 0, 5)

        # A second tap on the same button, and /snooze, give the same one snooze.
        assert (
            await tap_answer(cara, reminder, snooze) == "OK, I'll remind you again in 15 minutes."
        )
        await cara.wait_message_async(contains="remind you again in 15 minutes")
        cara.send_command("/snooze")
        await cara.wait_message_async(contains="remind you again in 15 minutes")
        again = await deliveries(db, CARA)
        assert [(d.id, d.kind, d.due_at) for d in again] == [(d.id, d.kind, d.due_at) for d in rows]
        assert (await stored_settings(db, CARA)).next_warmup_at == schedule

        # Nothing before the 15 minutes are up; then exactly one repeat.
        clock.now = utc(20, 4, 59, 55)
        await cara.assert_no_message_async(within=0.5)
        clock.now = utc(20, 5, 0, 6)
        repeat = await cara.wait_message_async(contains="activation", predicate=has_button("Done"))
        assert "in about 30 minutes" in (repeat.text or "")
        await cara.assert_no_message_async(within=0.5)

        # "Done" on the repeat answers the original reminder.
        await cara.wait_callback_answered_async(cara.tap("Done", in_message=repeat))
        await cara.wait_message_async(contains="Have a good one")
        assert (await stored_settings(db, CARA)).next_warmup_at == schedule
        acks = await warmup_acks(db, CARA)
    final = await _after(database_url, CARA)
    assert [(d.kind, d.status) for d in final] == [("warmup", "sent"), ("snooze", "sent")]
    assert final[1].ref_id == final[0].id
    assert [(a.athlete_id, a.delivery_id, a.answer) for a in acks] == [(CARA, final[0].id, "done")]
