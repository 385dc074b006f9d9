"""/results judges every stored test from its answers, end to end through the fake Bot API.

Hal's three tests are stored as tests saved before "not tested" existed were:
findings from scores alone, where a skip counted as fine.

1. 2 March, every step answered, hip drop clearly seen;
2. 9 March, every step skipped (stored findings: all "fine");
3. 16 March, hip drop gone, but the cadence and foot-strike steps skipped
   (stored findings: overstriding "fine").

/results must say "not enough answers" for the second, "not tested" for
overstriding in the third, and compare the third with the first (the
all-skipped test is never "last time"), as the self-test summary does; the
chart follows, drawn from the two tests with enough answers.
"""

from __future__ import annotations

import datetime as dt

from coaching.db import Database
from coaching.models import SelftestResult
from coaching.scoring import SKIPPED, findings, score
from fakeapi import FakeBotApi as Api
from fakeapi import FakeUser
from knowledge import KnowledgeBase
from knowledge.schema import FaultId, SelfTestStep, text_for
from tests.e2e.clocked import UTC, Clock, add_athlete, clocked_bot

HAL = 6301


def best(step: SelfTestStep) -> str:
    """The id of the answer that scores least (and is not "not sure")."""
    sure = [o for o in step.options if not o.unsure]
    return min(sure, key=lambda o: sum(o.scores.values())).id


def answered(kb: KnowledgeBase, **picks: str) -> dict[str, str]:
    """An answer per step: the best one, except `picks` (step id → option id or skip)."""
    return {step.id: picks.get(step.id, best(step)) for step in kb.selftest.steps}


async def store_old_style(
    db: Database, kb: KnowledgeBase, when: dt.datetime, answers: dict[str, str]
) -> None:
    """A result as saved before "not tested": findings from the scores alone."""
    scores = score(kb.selftest, answers)
    async with db.transaction() as session:
        session.add(
            SelftestResult(
                athlete_id=HAL,
                created_at=when,
                content_version=kb.version,
                answers=answers,
                scores=dict(scores),
                findings=dict(findings(kb, scores)),
                retest_due_at=when + dt.timedelta(weeks=4),
            )
        )


def name(kb: KnowledgeBase, fault: FaultId) -> str:
    return text_for(kb.faults[fault].name, "en")


async def test_results_say_not_tested_and_compare_only_with_tests_that_judged(
    api: Api, database_url: str, kb: KnowledgeBase
) -> None:
    clock = Clock(dt.datetime(2026, 3, 20, 8, 0, tzinfo=UTC))
    db = Database(database_url)
    await add_athlete(db, HAL, clock.now, tips=False, checkins=False)
    march = [dt.datetime(2026, 3, day, 8, 0, tzinfo=UTC) for day in (2, 9, 16)]
    hip_drop = answered(kb, pelvis_dip="clearly", knees_inward="clearly")
    await store_old_style(db, kb, march[0], hip_drop)
    await store_old_style(db, kb, march[1], {step.id: SKIPPED for step in kb.selftest.steps})
    await store_old_style(db, kb, march[2], answered(kb, cadence=SKIPPED, foot_strike=SKIPPED))
    hal = FakeUser(api, HAL, first_name="Hal", started=True)
    async with clocked_bot(api, db, clock):
        hal.send_command("/results")
        history = await hal.wait_message_async(contains=kb.ui_text("results_title", "en"))
        lines = (history.text or "").split("\n")
        newest, skipped, first = lines[1], lines[2], lines[3]
        assert newest.startswith("Mar 16, 2026")
        assert f"{name(kb, 'overstriding')}: not tested" in newest
        assert f"{name(kb, 'hip_drop')}: fine" in newest
        assert skipped == "Mar 9, 2026 — not enough answers"
        assert f"{name(kb, 'hip_drop')}: marked" in first

        trend = (history.text or "").split(kb.ui_text("trend_title", "en"))[1]
        assert f"• {name(kb, 'hip_drop')}: better (since Mar 2, 2026)" in trend
        assert f"• {name(kb, 'anterior_tilt')}: unchanged (since Mar 2, 2026)" in trend
        assert f"• {name(kb, 'overstriding')}: not tested" in trend
        assert "Mar 9" not in trend

        chart = await hal.wait_message_async(predicate=lambda e: e.message.kind == "photo")
        assert chart.message.data is not None and chart.message.data.startswith(b"\x89PNG")
