"""From self-test answers to findings, using the knowledge base's scoring rules."""

from __future__ import annotations

from collections.abc import Mapping

from knowledge.schema import FAULT_IDS, FaultId, KnowledgeBase, Level, SelfTest

SKIPPED = "skip"


def score(selftest: SelfTest, answers: Mapping[str, str]) -> dict[FaultId, int]:
    """Points per fault; a skipped step, or one no longer in the content, adds nothing."""
    totals: dict[FaultId, int] = dict.fromkeys(FAULT_IDS, 0)
    for step in selftest.steps:
        choice = answers.get(step.id)
        for option in step.options:
            if option.id == choice:
                for fault, points in option.scores.items():
                    totals[fault] += points
    return totals


def findings(kb: KnowledgeBase, scores: Mapping[FaultId, int]) -> dict[FaultId, Level]:
    return {fault: kb.faults[fault].level(scores.get(fault, 0)) for fault in FAULT_IDS}


LEVEL_RANK: dict[Level, int] = {"none": 0, "mild": 1, "marked": 2}


def trend(previous: Level, latest: Level) -> int:
    """-1 better, 0 same, +1 worse: compares two findings for one fault."""
    delta = LEVEL_RANK[latest] - LEVEL_RANK[previous]
    return (delta > 0) - (delta < 0)
