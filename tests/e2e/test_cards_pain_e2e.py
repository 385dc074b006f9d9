"""Cards, "Something hurts" and strength levels, end to end through the fake Bot API.

The real Application runs on a clock the test moves (`clocked_bot`), with the
handlers of `bot.handlers.cards`, `.pain` and `.levels` in the routes table.

- /plan → session A's card → an exercise's card → Back → Back to the plan;
- the warm-up reminder → the pre-run routine's card (a new message) → an exercise;
- "Something hurts" with a red flag → advice to see a professional, strength
  check-ins paused for 7 days (the next one is not sent) and the flag visible
  for the coach's overview;
- the check-in's "too hard" → the easier level; three weeks of two sessions →
  the next check-in offers the next level, and taking it moves up;
- an answered check-in or warm-up reminder keeps its cards, "too hard" and
  "Something hurts": only the answer buttons go, and what stays still works.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from coaching import pain as pain_domain
from coaching import progression
from coaching.db import Database
from coaching.models import SelftestResult
from coaching.pain_models import PainReport
from coaching.progression_models import ExerciseLevel
from fakeapi import BotEvent, FakeBotApi, FakeUser
from knowledge import KnowledgeBase
from tests.athletes import FRI, SUN
from tests.e2e.clocked import (
    UTC,
    Clock,
    add_athlete,
    clocked_bot,
    deliveries,
    has_button,
    press,
)
from tests.waits import eventually

ANN = 6101
BEN = 6102
CAL = 6103
DEE = 6104
EVA = 6105
CHECKIN_ANSWERS = ("0", "1", "2 or more")


async def add_result(db: Database, athlete_id: int, answers: dict[str, str], now: Any) -> None:
    async with db.transaction() as session:
        session.add(
            SelftestResult(
                athlete_id=athlete_id,
                created_at=now,
                content_version="test",
                answers=answers,
                scores={},
                findings={},
                retest_due_at=now + dt.timedelta(weeks=4),
            )
        )


def shows(label: str) -> Any:
    return has_button(label)


def athlete(api: FakeBotApi, user_id: int, name: str) -> FakeUser:
    """An athlete who wrote to the bot before, so the bot may message them first."""
    user = FakeUser(api, user_id, first_name=name)
    mark_started = getattr(api, "mark_started", None)
    if mark_started is not None:
        mark_started(user_id)
    return user


async def test_plan_to_session_to_exercise_and_back(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    now = dt.datetime(2026, 3, 9, 9, tzinfo=UTC)
    db = Database(database_url)
    await add_athlete(db, ANN, now, tips=False)
    await add_result(db, ANN, {"pelvis_dip": "clearly", "knees_inward": "clearly"}, now)
    ann = athlete(api, ANN, "Ann")
    async with clocked_bot(api, db, Clock(now)):
        ann.send_command("/plan")
        plan = await ann.wait_message_async(
            contains="Your priorities", predicate=shows("📋 Strength session A")
        )
        assert "Your hip stabilisers likely need work" in (plan.text or "")

        session_a = await press(ann, "📋 Strength session A", plan, "Strength session A")
        assert session_a.kind == "edit" and session_a.message_id == plan.message_id
        assert "Tap an exercise for how to do it" in (session_a.text or "")
        assert has_button("Single-leg deadlift")(session_a)

        card = await press(ann, "Single-leg deadlift", session_a, "Feel:")
        text = card.text or ""
        assert "1. Stand on one leg" in text
        assert "▶ Dumbbell or kettlebell:" in text  # the athlete's level, marked
        assert "At home:" in text and "Skip it if" in text

        back = await press(ann, "« Back", card, "Strength session A")
        assert has_button("Single-leg deadlift")(back)
        again = await press(ann, "« Back", back, "Your priorities")
        assert has_button("📋 Strength session A")(again)


async def test_warmup_reminder_opens_the_routine_card(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    # Friday 20 March 2026, 06:40 in Helsinki; Ben runs on Fridays at 07:30.
    clock = Clock(dt.datetime(2026, 3, 20, 4, 40, 30, tzinfo=UTC))
    db = Database(database_url)
    await add_athlete(db, BEN, clock.now, run_days=(FRI,), run_time=dt.time(7, 30), tips=False)
    ben = athlete(api, BEN, "Ben")
    async with clocked_bot(api, db, clock):
        clock.now = dt.datetime(2026, 3, 20, 4, 45, 5, tzinfo=UTC)
        reminder = await ben.wait_message_async(
            contains="Time for your activation", predicate=shows("📋 Pre-run activation")
        )
        assert has_button("🩹 Something hurts")(reminder)
        routine = await press(ben, "📋 Pre-run activation", reminder, "Before you head out")
        assert routine.kind == "message"  # the reminder keeps its own buttons
        exercise = await press(ben, "Donkey kick", routine, "Feel:")
        assert exercise.message_id == routine.message_id
        back = await press(ben, "« Back", exercise, "Before you head out")
        assert has_button("Donkey kick")(back)


async def answer_triage(user: FakeUser, start: BotEvent, taps: list[str]) -> BotEvent:
    event = start
    for label in taps:
        event = await press(user, label, event)
    return event


async def test_something_hurts_with_a_red_flag(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    # Sunday 8 March 2026, 17:00 in Helsinki; the check-in comes at 18:00.
    clock = Clock(dt.datetime(2026, 3, 8, 15, 0, tzinfo=UTC))
    db = Database(database_url)
    await add_athlete(db, CAL, clock.now, checkins=True, tips=False)
    cal = athlete(api, CAL, "Cal")
    async with clocked_bot(api, db, clock):
        cal.send_command("/pain")
        first = await cal.wait_message_async(contains="Where does it hurt?")
        assert "not medical advice" in (first.text or "")
        outcome = await answer_triage(
            cal, first, ["Knee", "3", "Sharp or stabbing", "No", "No", "No", "No", "No"]
        )
        text = outcome.text or ""
        assert "see a physiotherapist or doctor" in text
        assert "for 7 days, until Mar 15, 2026" in text

        async with db.transaction() as session:
            [report] = list(await session.scalars(select(PainReport)))
            assert (report.area, report.score, report.red_flag) == ("knee", 3, True)
            assert report.answers["quality"] == "sharp"
            # What the coach's overview reads (for athletes who share results).
            assert await pain_domain.flagged(session, [CAL], clock.now) == {CAL}

        # The strength check-in due at 18:00 is not sent while the pause lasts.
        clock.now = dt.datetime(2026, 3, 8, 16, 0, 5, tzinfo=UTC)

        async def skipped() -> bool:
            return [d.status for d in await deliveries(db, CAL)] == ["skipped"]

        await eventually(skipped, "the paused check-in to be skipped")
        await cal.assert_no_message_async(within=0.3)


async def test_checkin_too_hard_and_next_level(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    clock = Clock(dt.datetime(2026, 3, 8, 15, 59, 30, tzinfo=UTC))
    db = Database(database_url)
    await add_athlete(db, ANN, clock.now, checkins=True, tips=False)
    ann = athlete(api, ANN, "Ann")
    async with clocked_bot(api, db, clock):
        for day in (8, 15, 22):  # Sundays: three weeks of two sessions
            clock.now = dt.datetime(2026, 3, day, 16, 0, 5, tzinfo=UTC)
            checkin = await ann.wait_message_async(
                contains="Strength check-in", predicate=shows("2 or more")
            )
            assert has_button("📋 Strength session A")(checkin)
            assert not has_button("Ready: next level")(checkin)
            if day == 22:  # "too hard", tapped before answering
                easier = await press(
                    ann, "Too hard: easier level", checkin, "Easier level from now on"
                )
                assert "Squat (goblet squat): Bodyweight" in (easier.text or "")
            await press(ann, "2 or more", checkin, "oal met")
        async with db.transaction() as session:
            assert set((await progression.levels(session, kb, ANN)).values()) == {"bodyweight"}

        # Summer time: the check-in at 18:00 local is 15:00 UTC. The step down was just now,
        # so the next level waits three weeks from it; move the change back to test the offer.
        async with db.transaction() as session:
            rows = await session.scalars(select(ExerciseLevel))
            for row in rows:
                row.changed_at = dt.datetime(2026, 2, 1, tzinfo=UTC)
        clock.now = dt.datetime(2026, 3, 29, 15, 0, 5, tzinfo=UTC)
        offer = await ann.wait_message_async(
            contains="ready for the next level?", predicate=shows("Ready: next level")
        )
        assert "3 weeks in a row" in (offer.text or "")
        harder = await press(ann, "Ready: next level", offer, "Next level from now on")
        assert "Squat (goblet squat): Dumbbell or kettlebell" in (harder.text or "")


def labels(event: BotEvent) -> set[str]:
    return {text for row in event.buttons for text, _ in row}


async def test_an_answered_checkin_keeps_its_other_buttons(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    """Answering edits the check-in: the answer is shown, the answer buttons go, and the
    session cards, "too hard" and "Something hurts" stay and still work. The third week
    of two sessions brings the next level into the answered check-in at once."""
    clock = Clock(dt.datetime(2026, 3, 8, 15, 59, 30, tzinfo=UTC))
    db = Database(database_url)
    await add_athlete(db, DEE, clock.now, checkins=True, tips=False)
    dee = athlete(api, DEE, "Dee")
    kept = {"📋 Strength session A", "📋 Strength session B", "Too hard: easier level"}
    kept.add("🩹 Something hurts")
    async with clocked_bot(api, db, clock):
        for day in (8, 15, 22):  # Sundays, 18:00 in Helsinki: three weeks of two sessions
            clock.now = dt.datetime(2026, 3, day, 16, 0, 5, tzinfo=UTC)
            checkin = await dee.wait_message_async(
                contains="Strength check-in", predicate=shows("2 or more")
            )
            answered = await press(dee, "2 or more", checkin, "✅ 2 or more")
            assert answered.kind == "edit" and answered.message_id == checkin.message_id
            assert "How many free-weight strength sessions" in (answered.text or "")
            assert kept <= labels(answered)
            assert not labels(answered) & set(CHECKIN_ANSWERS)
            await dee.wait_message_async(contains="oal met")
        assert "ready for the next level?" in (answered.text or "")
        assert has_button("Ready: next level")(answered)

        # What the answered check-in kept still works, in it.
        card = await press(dee, "📋 Strength session A", answered, "Strength session A")
        assert card.kind == "message" and has_button("Single-leg deadlift")(card)
        hurts = await press(dee, "🩹 Something hurts", answered, "Where does it hurt?")
        assert hurts.kind == "message"
        easier = await press(dee, "Too hard: easier level", answered, "Easier level from now on")
        assert "Squat (goblet squat): Bodyweight" in (easier.text or "")
        assert dee.buttons(answered.message_id) == answered.buttons  # not edited by those


async def test_a_triathletes_checkin_and_a_done_warmup_keep_their_other_buttons(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    # Sunday 8 March 2026 in Helsinki: the warm-up at 06:45 before a 07:30 run, the
    # check-in at 18:00. Eva is a triathlete: the swim question comes after the answer.
    clock = Clock(dt.datetime(2026, 3, 8, 4, 40, 30, tzinfo=UTC))
    db = Database(database_url)
    await add_athlete(
        db, EVA, clock.now, run_days=(SUN,), run_time=dt.time(7, 30), triathlete=True, tips=False
    )
    eva = athlete(api, EVA, "Eva")
    async with clocked_bot(api, db, clock):
        clock.now = dt.datetime(2026, 3, 8, 4, 45, 5, tzinfo=UTC)
        reminder = await eva.wait_message_async(
            contains="Time for your activation", predicate=shows("Done")
        )
        done = await press(eva, "Done", reminder, "✅ Done")
        assert done.kind == "edit" and done.message_id == reminder.message_id
        assert labels(done) == {"📋 Pre-run activation", "🩹 Something hurts"}
        routine = await press(eva, "📋 Pre-run activation", done, "Before you head out")
        assert routine.kind == "message"

        clock.now = dt.datetime(2026, 3, 8, 16, 0, 5, tzinfo=UTC)
        checkin = await eva.wait_message_async(
            contains="Strength check-in", predicate=shows("2 or more")
        )
        answered = await press(eva, "1", checkin, "✅ 1")
        assert answered.message_id == checkin.message_id
        assert "Too hard: easier level" in labels(answered)
        assert "🩹 Something hurts" in labels(answered)
        assert not labels(answered) & set(CHECKIN_ANSWERS)
        swim = await eva.wait_message_async(contains="And did you swim this week?")
        await press(eva, "Yes", swim, "One session is a real start")
        assert eva.buttons(checkin.message_id) == answered.buttons  # the swim answer kept them
