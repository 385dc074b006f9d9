"""Findings need answers: skipped and "not sure" steps are not tested, never fine."""

from __future__ import annotations

from collections.abc import Mapping

from coaching.plan import MAX_PRIORITIES, build_plan
from coaching.scoring import SKIPPED, UNTESTED, assess, compare, latest_judged
from knowledge import KnowledgeBase
from knowledge.render import CARD_LIMIT, render_plan, render_summary
from knowledge.schema import SelfTestStep
from knowledge.telegram_text import telegram_length


def best(step: SelfTestStep) -> str:
    """The answer that scores least (and is not "not sure")."""
    sure = [o for o in step.options if not o.unsure]
    return min(sure, key=lambda o: sum(o.scores.values())).id


def good(kb: KnowledgeBase, **picks: str) -> dict[str, str]:
    """Every step answered with its best option, except `picks`."""
    return {step.id: picks.get(step.id, best(step)) for step in kb.selftest.steps}


def test_all_good_answers_are_fine_everywhere(kb: KnowledgeBase) -> None:
    found = assess(kb, good(kb))
    assert found.levels == dict.fromkeys(kb.faults, "none")
    assert found.enough


def test_all_skipped_is_not_enough_answers(kb: KnowledgeBase) -> None:
    found = assess(kb, {step.id: SKIPPED for step in kb.selftest.steps})
    assert found.levels == dict.fromkeys(kb.faults, UNTESTED)
    assert not found.enough
    assert found.tested() == {}
    assert set(found.missing["overstriding"]) == {"cadence", "foot_strike"}


def test_an_empty_session_is_not_enough_answers_either(kb: KnowledgeBase) -> None:
    assert not assess(kb, {}).enough


def test_skipping_the_steps_of_one_fault_leaves_only_that_fault_untested(
    kb: KnowledgeBase,
) -> None:
    found = assess(kb, good(kb, cadence=SKIPPED, foot_strike=SKIPPED))
    assert found.levels["overstriding"] == UNTESTED
    assert found.levels["hip_drop"] == "none"


def test_not_sure_counts_as_not_tested_for_what_it_cannot_tell(kb: KnowledgeBase) -> None:
    found = assess(kb, good(kb, cadence="dont_know", foot_strike="dont_know"))
    assert found.levels["overstriding"] == UNTESTED
    assert found.missing["overstriding"] == ["cadence", "foot_strike"]


def test_an_unsure_answer_still_says_what_it_scores(kb: KnowledgeBase) -> None:
    """An answer of "I can't tell" where the pelvis points says nothing about tilt, but it
    does say that feeling the pelvis is hard."""
    found = assess(kb, good(kb, hands_on_hips="cant_tell", bowl_of_water="not_found"))
    assert found.levels["pelvic_awareness"] in ("mild", "marked")
    assert found.levels["anterior_tilt"] == UNTESTED


def test_a_finding_stands_even_with_steps_skipped(kb: KnowledgeBase) -> None:
    """Skipping can only add points, so what the answers reach is at least that."""
    found = assess(kb, good(kb, pelvis_dip="clearly", knees_inward=SKIPPED))
    assert found.levels["hip_drop"] == "mild"
    found = assess(kb, good(kb, pelvis_dip="clearly", knees_inward="clearly"))
    assert found.levels["hip_drop"] == "marked"


def test_compare_says_better_same_or_worse_per_finding(kb: KnowledgeBase) -> None:
    before = assess(kb, good(kb, pelvis_dip="clearly", knees_inward="clearly"))
    after = assess(kb, good(kb, pelvis_dip="slightly"))
    result = compare([before], after)
    assert result.changes["hip_drop"] == -1
    assert result.changes["anterior_tilt"] == 0
    assert result.since == 0
    worse = compare([after], before)
    assert worse.changes["hip_drop"] == 1


def test_an_all_skipped_test_is_never_compared_against(kb: KnowledgeBase) -> None:
    judged = assess(kb, good(kb))
    skipped = assess(kb, {step.id: SKIPPED for step in kb.selftest.steps})
    assert compare([judged, skipped], judged).since == 0  # the skipped one is passed over
    assert compare([skipped], judged).changes == {}
    assert compare([skipped], judged).since is None


def test_an_untested_fault_has_no_change(kb: KnowledgeBase) -> None:
    before = assess(kb, good(kb))
    after = assess(kb, good(kb, cadence=SKIPPED, foot_strike=SKIPPED))
    assert "overstriding" not in compare([before], after).changes


def test_each_finding_says_which_test_it_was_compared_with(kb: KnowledgeBase) -> None:
    """A fault untested last time is compared with the test before, and says so."""
    first = assess(kb, good(kb, cadence="under_160", foot_strike="bit_ahead"))
    second = assess(kb, good(kb, cadence=SKIPPED, foot_strike=SKIPPED))
    latest = assess(kb, good(kb))
    result = compare([first, second], latest)
    assert result.since == 1
    assert result.against["overstriding"] == 0 and result.changes["overstriding"] == -1
    assert result.against["hip_drop"] == 1 and result.changes["hip_drop"] == 0
    since = {fault: ("Feb 2, 2026", "Mar 2, 2026")[i] for fault, i in result.against.items()}
    text = render_summary(kb, latest.levels, latest.missing, result.changes, since, "en")
    assert "Since Feb 2, 2026: better" in text
    assert "Since Mar 2, 2026: unchanged" in text


def test_a_plan_comes_from_the_newest_test_with_enough_answers(kb: KnowledgeBase) -> None:
    judged = assess(kb, good(kb, pelvis_dip="clearly"))
    skipped = assess(kb, {step.id: SKIPPED for step in kb.selftest.steps})
    assert latest_judged([judged, skipped]) is judged
    assert latest_judged([skipped]) is None
    assert latest_judged([]) is None


def summary(kb: KnowledgeBase, answers: Mapping[str, str], lang: str = "en") -> str:
    found = assess(kb, answers)
    return render_summary(kb, found.levels, found.missing, {}, {}, lang)


def test_the_summary_says_not_enough_answers_and_which_tests(kb: KnowledgeBase) -> None:
    text = summary(kb, {step.id: SKIPPED for step in kb.selftest.steps})
    assert "Not enough answers" in text
    assert "The compression test" in text and "Your cadence" in text
    assert "(fine)" not in text
    finnish = summary(kb, {step.id: SKIPPED for step in kb.selftest.steps}, "fi")
    assert "Vastauksia ei ole tarpeeksi" in finnish


def test_the_summary_says_not_tested_never_fine(kb: KnowledgeBase) -> None:
    text = summary(kb, good(kb, cadence=SKIPPED, foot_strike=SKIPPED))
    assert "<b>Overstriding</b> (not tested)" in text
    assert "Where your foot lands" in text
    assert "not a diagnosis" in text


def test_the_summary_tells_the_change_since_last_time(kb: KnowledgeBase) -> None:
    before = assess(kb, good(kb, pelvis_dip="clearly", knees_inward="clearly"))
    after = assess(kb, good(kb))
    changes = compare([before], after).changes
    since = dict.fromkeys(changes, "Mar 8, 2026")
    text = render_summary(kb, after.levels, after.missing, changes, since, "en")
    assert "Since Mar 8, 2026: better" in text


def test_the_plan_puts_three_priorities_first_none_repeated(kb: KnowledgeBase) -> None:
    everything = dict.fromkeys(kb.faults, "marked")
    plan = build_plan(kb, everything, triathlete=True)  # type: ignore[arg-type]
    assert len(plan.priorities) == MAX_PRIORITIES
    assert len({p["en"] for p in plan.advice}) == len(plan.advice)
    assert {"prerun_activation", "strength_a", "strength_b"} <= set(plan.cards())
    for lang in kb.languages:
        assert telegram_length(render_plan(kb, plan.priorities, lang)) <= CARD_LIMIT


def test_an_untested_fault_gets_no_prescription(kb: KnowledgeBase) -> None:
    found = assess(kb, good(kb, cadence=SKIPPED, foot_strike=SKIPPED))
    plan = build_plan(kb, found.tested(), triathlete=False)
    assert "cadence_metronome_run" not in plan.exercises
