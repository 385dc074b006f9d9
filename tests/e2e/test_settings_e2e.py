"""/settings end to end: every change is stored and moves the next due instant at once.

Ann (Helsinki, runs Mon/Wed/Fri at 07:30) opens /settings on Wednesday 4 March
2026 at 12:00 local and changes the tip day and time (by button and typed),
the warm-up switch, her run days and time, her time zone and the strength
check-in's day and time. After each tap the test reads the stored settings and
the `next_*_at` the planner will act on; typed nonsense changes nothing.
"""

from __future__ import annotations

import datetime as dt

from coaching.db import Database
from fakeapi import FakeBotApi, FakeUser
from scheduler.recurrence import tip_offset
from tests.e2e.clocked import (
    FRI,
    MON,
    THU,
    UTC,
    WED,
    Clock,
    add_athlete,
    clocked_bot,
    has_button,
    press,
    stored_athlete,
    stored_settings,
    tap_answer,
)

ANN = 5101
STALE = "That button is from an older message and no longer works."


def utc(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def ann_tip(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """Ann's tip: the time she chose plus her place in the hour after it (6 minutes)."""
    return utc(day, hour, minute) + tip_offset(ANN)


async def test_settings_changes_are_stored_and_rescheduled(
    api: FakeBotApi, database_url: str
) -> None:
    clock = Clock(utc(4, 10))  # Wednesday 12:00 in Helsinki (UTC+2)
    db = Database(database_url)
    await add_athlete(db, ANN, clock.now, run_days=(MON, WED, FRI), run_time=dt.time(7, 30))
    ann = FakeUser(api, ANN)
    async with clocked_bot(api, db, clock):
        before = await stored_settings(db, ANN)
        assert before.next_tip_at == ann_tip(9, 6)  # Monday 08:00 local, + 6 min
        assert before.next_checkin_at == utc(8, 16)  # Sunday 18:00 local
        assert before.next_warmup_at == utc(6, 4, 45)  # Friday 06:45 for the 07:30 run

        ann.send_command("/settings")
        menu = await ann.wait_message_async(
            contains="Your reminders", predicate=has_button("Tip day")
        )
        assert "Weekly tip: Mon 08:00" in (menu.text or "")
        assert "Strength check-in: Sun 18:00" in (menu.text or "")

        # Tip day by button: Thursday, at once.
        await press(ann, "Tip day", menu, "On which day should the weekly tip arrive?")
        shown = await press(ann, "Thu", menu, "Your reminders")
        assert "Weekly tip: Thu 08:00" in (shown.text or "")
        now = await stored_settings(db, ANN)
        assert (now.tip_weekday, now.tip_time) == (THU, dt.time(8, 0))
        assert now.next_tip_at == ann_tip(5, 6)

        # Tip time by button.
        await press(ann, "Tip time", menu, "When should the weekly tip arrive?")
        shown = await press(ann, "18:00", menu, "Your reminders")
        assert "Weekly tip: Thu 18:00" in (shown.text or "")
        now = await stored_settings(db, ANN)
        assert now.tip_time == dt.time(18, 0) and now.next_tip_at == ann_tip(5, 16)

        # Tip time typed: an impossible time is refused and changes nothing.
        await press(ann, "Tip time", menu, "When should the weekly tip arrive?")
        await press(ann, "Type it", menu, "Type the time as HH:MM")
        ann.send_text("25:99")
        refused = await ann.wait_message_async(contains="25:99")
        assert "'25:99' is not a time of day" in (refused.text or "")
        now = await stored_settings(db, ANN)
        assert now.tip_time == dt.time(18, 0) and now.next_tip_at == ann_tip(5, 16)
        ann.send_text("07:15")
        saved = await ann.wait_message_async(contains="Saved.", predicate=has_button("Tip day"))
        assert "Weekly tip: Thu 07:15" in (saved.text or "")
        now = await stored_settings(db, ANN)
        assert now.tip_time == dt.time(7, 15) and now.next_tip_at == ann_tip(5, 5, 15)
        menu = saved  # the menu now lives on the "Saved." message

        # Warm-up reminders off, then on again.
        shown = await press(ann, "✅ Warm-ups", menu, "Your reminders")
        assert has_button("⬜ Warm-ups")(shown)
        now = await stored_settings(db, ANN)
        assert now.warmups_enabled is False and now.next_warmup_at is None
        shown = await press(ann, "⬜ Warm-ups", menu, "Your reminders")
        assert has_button("✅ Warm-ups")(shown)
        now = await stored_settings(db, ANN)
        assert now.warmups_enabled is True and now.next_warmup_at == utc(6, 4, 45)

        # Run days: add Thursday, so the next warm-up is Thursday 06:45.
        await press(ann, "Run days", menu, "Tap your run days.")
        shown = await press(ann, "Thu", menu, "Tap your run days.")
        assert has_button("✅ Thu")(shown)
        athlete = await stored_athlete(db, ANN)
        assert athlete.run_days == [MON, WED, THU, FRI]
        now = await stored_settings(db, ANN)
        assert now.next_warmup_at == utc(5, 4, 45)
        await press(ann, "« Back", menu, "Your reminders")

        # Run time 18:00: today is a run day, so a warm-up at 17:15 this evening.
        await press(ann, "Run time", menu, "When do you usually start your run?")
        shown = await press(ann, "18:00", menu, "Your reminders")
        assert "Mon, Wed, Thu, Fri at 18:00" in (shown.text or "")
        assert (await stored_athlete(db, ANN)).run_time == dt.time(18, 0)
        assert (await stored_settings(db, ANN)).next_warmup_at == utc(4, 15, 15)

        # Time zone by button: London (UTC+0 in March).
        await press(ann, "Time zone", menu, "Which time zone are you in?")
        shown = await press(ann, "Europe/London", menu, "Your reminders")
        assert "Time zone: Europe/London" in (shown.text or "")
        assert (await stored_athlete(db, ANN)).timezone == "Europe/London"
        now = await stored_settings(db, ANN)
        assert now.next_tip_at == ann_tip(5, 7, 15)
        assert now.next_warmup_at == utc(4, 17, 15)
        assert now.next_checkin_at == utc(8, 18)

        # Time zone typed: New York, where summer time starts on Sunday 8 March.
        await press(ann, "Time zone", menu, "Which time zone are you in?")
        await press(ann, "Type it", menu, "Type your time zone")
        ann.send_text("Mars/Olympus_Mons")
        await ann.wait_message_async(contains="'Mars/Olympus_Mons' is not a time zone I know")
        assert (await stored_athlete(db, ANN)).timezone == "Europe/London"
        ann.send_text("america/new_york")
        menu = await ann.wait_message_async(contains="Saved.", predicate=has_button("Tip day"))
        assert (await stored_athlete(db, ANN)).timezone == "America/New_York"
        now = await stored_settings(db, ANN)
        assert now.next_tip_at == ann_tip(5, 12, 15)  # Thursday 07:15 EST
        assert now.next_checkin_at == utc(8, 22)  # Sunday 18:00 EDT, after the change
        assert now.next_warmup_at == utc(4, 22, 15)  # 17:15 EST tonight

        # The strength check-in: Saturday, by button.
        await press(ann, "Check-in day", menu, "On which day should the strength check-in")
        shown = await press(ann, "Sat", menu, "Your reminders")
        assert "Strength check-in: Sat 18:00" in (shown.text or "")
        now = await stored_settings(db, ANN)
        assert now.checkin_weekday == 5 and now.next_checkin_at == utc(7, 23)

        # ... at 08:00 by button ...
        await press(ann, "Check-in time", menu, "When should the strength check-in arrive?")
        shown = await press(ann, "08:00", menu, "Your reminders")
        assert "Strength check-in: Sat 08:00" in (shown.text or "")
        now = await stored_settings(db, ANN)
        assert now.checkin_time == dt.time(8, 0) and now.next_checkin_at == utc(7, 13)

        # ... and typed: nonsense refused, then 19:30.
        await press(ann, "Check-in time", menu, "When should the strength check-in arrive?")
        await press(ann, "Type it", menu, "Type the time as HH:MM")
        ann.send_text("7:75")
        await ann.wait_message_async(contains="'7:75' is not a time of day")
        now = await stored_settings(db, ANN)
        assert now.checkin_time == dt.time(8, 0) and now.next_checkin_at == utc(7, 13)
        ann.send_text("19:30")
        menu = await ann.wait_message_async(contains="Saved.", predicate=has_button("Tip day"))
        assert "Strength check-in: Sat 19:30" in (menu.text or "")
        now = await stored_settings(db, ANN)
        assert now.checkin_time == dt.time(19, 30)
        assert now.next_checkin_at == utc(8, 0, 30)  # Saturday 19:30 EST

        # A forged day or time is answered as stale and changes nothing.
        assert await tap_answer(ann, menu, "set:cd:9") == STALE
        assert await tap_answer(ann, menu, "set:ct:2599") == STALE
        assert await tap_answer(ann, menu, "set:td:x") == STALE
        after = await stored_settings(db, ANN)
        assert (after.checkin_weekday, after.checkin_time) == (5, dt.time(19, 30))
        assert (after.tip_weekday, after.tip_time) == (THU, dt.time(7, 15))
        assert (after.next_checkin_at, after.next_tip_at) == (now.next_checkin_at, now.next_tip_at)
