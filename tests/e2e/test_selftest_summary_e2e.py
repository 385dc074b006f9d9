"""What the athlete is told when a self-test ends, end to end through the fake Bot API.

Gil (a runner in Helsinki) takes the test four times on a clock the test moves:

1. 2 March, every step skipped: "not enough answers", the tests to do by name,
   nothing called fine, nothing compared, and no plan yet;
2. 9 March, hip drop clear: findings, and still nothing compared (the
   all-skipped test is never "last time"), then the plan;
3. 6 April, every step answered well but the cadence and foot-strike ones
   skipped: hip drop better since 9 March, the rest the same, overstriding not
   tested (with the tests to do) and not compared;
4. 4 May, every step skipped again: "not enough answers", and the plan stays the
   one the latest answered test gave.

Each summary comes from `knowledge.render.render_summary`, then the plan
(`bot.handlers.cards.plan_view`); the stored findings are `assess`'s levels.
"""

from __future__ import annotations

import datetime as dt

from coaching import selftest
from coaching.db import Database
from coaching.scoring import UNTESTED
from fakeapi import BotEvent, FakeUser
from fakeapi import FakeBotApi as Api
from knowledge import KnowledgeBase
from knowledge.schema import FaultId, SelfTestStep, text_for
from tests.e2e.clocked import UTC, Clock, add_athlete, clocked_bot
from tests.e2e.harness import tap_when_shown

GIL = 6201
SKIP = "Skip"
HIP_DROP_ADVICE = "Your hip stabilisers likely need work"
PLAN_WORDS = ("Your personal plan", "You don't have a plan yet")


def best(step: SelfTestStep) -> str:
    """The label of the answer that scores least (and is not "not sure")."""
    sure = [o for o in step.options if not o.unsure]
    return text_for(min(sure, key=lambda o: sum(o.scores.values())).label, "en")


def option(kb: KnowledgeBase, step_id: str, option_id: str) -> str:
    found = next(o for o in kb.selftest.step(step_id).options if o.id == option_id)
    return text_for(found.label, "en")


def answers(kb: KnowledgeBase, **picks: str) -> list[str]:
    """A label (or Skip) per step: the best answer, except `picks` (step id → label)."""
    return [picks.get(step.id, best(step)) for step in kb.selftest.steps]


async def take_test(user: FakeUser, labels: list[str]) -> tuple[BotEvent, BotEvent]:
    """Tap through the test; the summary and the plan that follow it."""
    user.send_command("/selftest")
    for index, label in enumerate(labels):
        await tap_when_shown(user, label, contains=f"Test {index + 1} of")
    summary = await user.wait_message_async(contains="Self-test done")
    # The plan (or the word that there is none yet), not a reminder the moved clock sent.
    plan = await user.wait_message_async(
        predicate=lambda e: any(words in (e.text or "") for words in PLAN_WORDS)
    )
    return summary, plan


def title(kb: KnowledgeBase, step_id: str) -> str:
    return text_for(kb.selftest.step(step_id).title, "en")


def finding(kb: KnowledgeBase, fault: FaultId, level: str) -> str:
    name = text_for(kb.faults[fault].name, "en")
    return f"{name} ({kb.ui_text(f'level_{level}', 'en')})"


async def test_summary_says_not_enough_answers_and_what_changed_since_last_time(
    api: Api, database_url: str, kb: KnowledgeBase
) -> None:
    clock = Clock(dt.datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    db = Database(database_url)
    await add_athlete(db, GIL, clock.now, tips=False, checkins=False)
    gil = FakeUser(api, GIL, first_name="Gil", started=True)
    all_skipped = [SKIP] * len(kb.selftest.steps)
    async with clocked_bot(api, db, clock):
        # 1. Everything skipped: not enough answers, and which tests to do.
        summary, plan = await take_test(gil, all_skipped)
        text = summary.text or ""
        assert "Not enough answers" in text
        assert "Do these tests when you can, then /selftest again:" in text
        for step in kb.selftest.steps:
            assert text_for(step.title, "en") in text
        assert "(fine)" not in text and "Since" not in text
        assert "You don't have a plan yet" in (plan.text or "")

        # 2. Hip drop clearly seen: findings; the skipped test is not "last time".
        clock.now = dt.datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
        hip_drop = {
            "pelvis_dip": option(kb, "pelvis_dip", "clearly"),
            "knees_inward": option(kb, "knees_inward", "clearly"),
        }
        summary, plan = await take_test(gil, answers(kb, **hip_drop))
        text = summary.text or ""
        assert finding(kb, "hip_drop", "marked") in text
        assert finding(kb, "overstriding", "none") in text
        assert "Not enough answers" not in text and "Since" not in text
        assert "not a diagnosis" in text
        assert HIP_DROP_ADVICE in (plan.text or "")
        assert summary.message_id < plan.message_id  # the summary first, then the plan

        # 3. Retest four weeks later: better, same, and not tested, per finding.
        clock.now = dt.datetime(2026, 4, 6, 7, 0, tzinfo=UTC)
        skipped_cadence = {"cadence": SKIP, "foot_strike": SKIP}
        summary, plan = await take_test(gil, answers(kb, **skipped_cadence))
        text = summary.text or ""
        assert finding(kb, "hip_drop", "none") + "\n" in text
        assert "Since Mar 9, 2026: better" in text
        assert "Since Mar 9, 2026: unchanged" in text  # anterior tilt, fine both times
        assert "Since Mar 9, 2026: needs attention" not in text
        overstriding = text.split(finding(kb, "overstriding", "untested"))[1].split("\n\n")[0]
        assert title(kb, "cadence") in overstriding and title(kb, "foot_strike") in overstriding
        assert "Since" not in overstriding
        assert text.count("Since Mar 9, 2026") == len(kb.faults) - 1
        assert HIP_DROP_ADVICE not in (plan.text or "")  # the plan follows the retest
        answered_plan = plan.text

        # 4. Everything skipped again: said so, and the plan is the answered tests'.
        clock.now = dt.datetime(2026, 5, 4, 7, 0, tzinfo=UTC)
        summary, plan = await take_test(gil, all_skipped)
        assert "Not enough answers" in (summary.text or "")
        assert "Since" not in (summary.text or "")
        assert plan.text == answered_plan

    async with db.transaction() as session:
        results = await selftest.results(session, GIL)
    await db.dispose()
    assert len(results) == 4
    assert results[0].findings == dict.fromkeys(kb.faults, UNTESTED)
    assert results[1].findings["hip_drop"] == "marked"
    assert results[2].findings["overstriding"] == UNTESTED
    assert results[2].findings["hip_drop"] == "none"
