"""The self-test's scores can reach every level, and good answers give none."""

from __future__ import annotations

from knowledge.loader import get_knowledge
from knowledge.schema import FAULT_IDS, FaultId, SelfTest


def totals(selftest: SelfTest, pick: str) -> dict[FaultId, int]:
    """Scores when every step is answered with its best ("first") or worst ("last") option.

    Options are listed best to worst, except where they have an order of their own
    (the cadence ranges, in the order of the numbers), so best and worst are read
    from the points rather than the position."""
    result: dict[FaultId, int] = dict.fromkeys(FAULT_IDS, 0)
    for step in selftest.steps:
        points_of = [sum(o.scores.values()) for o in step.options]
        chosen = min(points_of) if pick == "first" else max(points_of)
        option = step.options[points_of.index(chosen)]
        for fault, points in option.scores.items():
            result[fault] += points
    return result


def test_every_fault_has_a_self_test_question() -> None:
    kb = get_knowledge()
    for fault in FAULT_IDS:
        low, high = kb.selftest.score_range(fault)
        assert low == 0
        assert high >= kb.faults[fault].marked_at, fault


def test_first_options_are_the_good_answers() -> None:
    kb = get_knowledge()
    good = totals(kb.selftest, "first")
    assert {f: kb.faults[f].level(s) for f, s in good.items()} == dict.fromkeys(FAULT_IDS, "none")


def test_last_options_reach_marked_everywhere() -> None:
    kb = get_knowledge()
    bad = totals(kb.selftest, "last")
    assert {f: kb.faults[f].level(s) for f, s in bad.items()} == dict.fromkeys(FAULT_IDS, "marked")


def test_worst_answers_reach_marked_everywhere() -> None:
    kb = get_knowledge()
    for fault in FAULT_IDS:
        _, high = kb.selftest.score_range(fault)
        assert kb.faults[fault].level(high) == "marked"


def test_levels_at_the_thresholds() -> None:
    fault = get_knowledge().faults["overstriding"]
    assert fault.level(fault.mild_at - 1) == "none"
    assert fault.level(fault.mild_at) == "mild"
    assert fault.level(fault.marked_at) == "marked"


def test_option_scores_are_zero_to_two_and_ids_fit_callback_data() -> None:
    for step in get_knowledge().selftest.steps:
        assert len(step.id) <= 16
        for option in step.options:
            assert len(option.id) <= 12
            assert all(0 <= points <= 2 for points in option.scores.values())
            # st:<session>:<step>:<choice> must fit Telegram's 64-byte callback data.
            assert len(f"st:{'9' * 12}:{step.id}:{option.id}".encode()) <= 64


def test_rules_match_levels() -> None:
    kb = get_knowledge()
    levels: dict[str, str] = {str(fault): "none" for fault in FAULT_IDS}
    levels["hip_drop"] = "marked"
    ids = [rule.id for rule in kb.recommendations(levels, {"all"})]
    assert "rule_hipdrop_marked" in ids and "rule_hipdrop_mild" in ids
    assert "rule_tilt_mild" not in ids
    priorities = [kb.item(i).priority for i in ids]  # type: ignore[attr-defined]
    assert priorities == sorted(priorities)
