"""The weekly tips as a curriculum, over a year of the shipped content.

Three athletes are simulated for 52 weeks: one who never does the self-test,
one with a single finding (and a cadence of 170–180), one with every fault
marked (and a cadence under 160). Each week the next tip is chosen exactly as
the composer does and recorded as sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pytest

from coaching.scoring import assess
from knowledge import KnowledgeBase
from knowledge.schema import SelfTestStep, Tip
from scheduler.tips import SELF_CHECK, found_faults, select_tip

T0 = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)
WEEKS = 52


def best(step: SelfTestStep) -> str:
    sure = [o for o in step.options if not o.unsure]
    return min(sure, key=lambda o: sum(o.scores.values())).id


def worst(step: SelfTestStep) -> str:
    return max(step.options, key=lambda o: sum(o.scores.values())).id


def answers_for(kb: KnowledgeBase, picks: Mapping[str, str]) -> dict[str, str]:
    """Every step answered with its best option unless `picks` says otherwise."""
    return {step.id: picks.get(step.id, best(step)) for step in kb.selftest.steps}


ONE_FINDING = {"pelvis_dip": "clearly", "knees_inward": "clearly", "cadence": "c170_180"}
ALL_FINDINGS = {"cadence": "under_160"}  # with every other step's worst answer, below


def athletes(kb: KnowledgeBase) -> dict[str, dict[str, str] | None]:
    worst_answers = {step.id: worst(step) for step in kb.selftest.steps}
    return {
        "untested": None,
        "one_finding": answers_for(kb, ONE_FINDING),
        "all_findings": answers_for(kb, worst_answers | ALL_FINDINGS),
    }


def simulate(
    kb: KnowledgeBase, answers: dict[str, str] | None, triathlete: bool = False
) -> list[Tip]:
    levels = dict(assess(kb, answers).levels) if answers is not None else None
    sent: dict[str, dt.datetime] = {}
    chosen = []
    for week in range(WEEKS):
        tip = select_tip(
            kb.tips, levels, triathlete, sent, answers=answers, first_tip=kb.meta.first_tip
        )
        assert tip is not None
        chosen.append(tip)
        sent[tip.id] = T0 + dt.timedelta(weeks=week)
    return chosen


NO_REPEAT_BEFORE = {"untested": 26, "one_finding": 40, "all_findings": 40}


@pytest.mark.parametrize("who", list(NO_REPEAT_BEFORE))
def test_the_first_tip_is_why_hips(kb: KnowledgeBase, who: str) -> None:
    assert simulate(kb, athletes(kb)[who])[0].id == "tip_why_hips"


@pytest.mark.parametrize(("who", "weeks"), list(NO_REPEAT_BEFORE.items()))
def test_no_tip_repeats_before_the_stated_week(kb: KnowledgeBase, who: str, weeks: int) -> None:
    ids = [tip.id for tip in simulate(kb, athletes(kb)[who])]
    assert len(set(ids[:weeks])) == weeks, f"a repeat within the first {weeks} weeks"


@pytest.mark.parametrize("who", list(NO_REPEAT_BEFORE))
def test_no_more_than_two_of_a_theme_in_a_row(kb: KnowledgeBase, who: str) -> None:
    themes = [tip.theme for tip in simulate(kb, athletes(kb)[who])]
    runs = [themes[i : i + 3] for i in range(len(themes) - 2)]
    assert not [run for run in runs if len(set(run)) == 1]


@pytest.mark.parametrize("who", list(NO_REPEAT_BEFORE))
def test_no_tip_contradicts_the_answers(kb: KnowledgeBase, who: str) -> None:
    answers = athletes(kb)[who]
    found = found_faults(assess(kb, answers).levels) if answers is not None else set()
    for tip in simulate(kb, answers):
        for step, options in tip.when_answers.items():
            assert answers is not None and answers[step] in options, tip.id
        if tip.faults and SELF_CHECK not in tip.topics:
            assert found & set(tip.faults), f"{tip.id} is about a fault {who} does not have"


def test_self_check_tips_reach_the_untested(kb: KnowledgeBase) -> None:
    got = {tip.id for tip in simulate(kb, None)}
    for needed in ("tip_bowl_of_water", "tip_doorway_test", "tip_compression_test"):
        assert needed in got
    assert "tip_lean_from_ankles" in got
    assert "tip_cadence_keep" not in got  # "Already at 170–180?" is only for those who said so


def test_the_cadence_tip_follows_the_answer(kb: KnowledgeBase) -> None:
    one = {tip.id for tip in simulate(kb, athletes(kb)["one_finding"])}
    everything = {tip.id for tip in simulate(kb, athletes(kb)["all_findings"])}
    assert "tip_cadence_keep" in one
    assert "tip_cadence_keep" not in everything


def test_findings_come_before_general_tips(kb: KnowledgeBase) -> None:
    chosen = simulate(kb, athletes(kb)["one_finding"])
    assert chosen[1].faults and "hip_drop" in chosen[1].faults


def test_triathletes_get_their_tips_too(kb: KnowledgeBase) -> None:
    ids = {tip.id for tip in simulate(kb, None, triathlete=True)}
    assert "tip_triathlete_swim_first" in ids


def test_strength_tips_wait_while_pain_pauses_them(kb: KnowledgeBase) -> None:
    sent: dict[str, dt.datetime] = {}
    for week in range(20):
        tip = select_tip(
            kb.tips, None, False, sent, first_tip=kb.meta.first_tip, avoid_topics={"strength"}
        )
        assert tip is not None and "strength" not in tip.topics
        sent[tip.id] = T0 + dt.timedelta(weeks=week)
