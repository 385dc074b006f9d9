"""From self-test answers to findings, using the knowledge base's scoring rules.

A finding needs answers. A skipped step, or a "not sure" answer (an option
marked `unsure`), tells nothing about the faults it would have scored, so
`assess` never turns silence into "fine": a fault whose level the missing
answers could still change is "untested", unless the answers given already
reach a finding (skipping can only add points, never take them away). When no
fault could be judged, the test has "not enough answers", and nothing is
compared against it later (`compare`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from knowledge.schema import (
    FAULT_IDS,
    LEVELS,
    FaultId,
    KnowledgeBase,
    Level,
    SelfTest,
    SelfTestStep,
)

SKIPPED = "skip"
UNTESTED = "untested"
"""A fault the answers could not judge: shown as "not tested", never as "fine"."""


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
    """Levels from scores alone; prefer `assess`, which knows what was never answered."""
    return {fault: kb.faults[fault].level(scores.get(fault, 0)) for fault in FAULT_IDS}


def informs(step: SelfTestStep, choice: str | None) -> set[FaultId]:
    """The faults an answer to `step` tells something about.

    A real answer tells about every fault the step tests; an unsure one only
    about the faults it gives points to ("I can't tell" where my pelvis points
    does say something about feeling the pelvis); a skip or no answer, nothing.
    """
    option = next((o for o in step.options if o.id == choice), None)
    if option is None:
        return set()
    if option.unsure:
        return set(option.scores)
    return step.tested_faults()


@dataclass(frozen=True)
class Assessment:
    """What one self-test can say: a level per fault, or "untested" and the steps to do."""

    levels: dict[str, str]
    """Fault id → none / mild / marked, or UNTESTED."""
    missing: dict[str, list[str]]
    """Per fault, the steps left unanswered (or "not sure") that would have told."""
    answers: dict[str, str] = field(default_factory=dict)
    """The answers judged: a measurement that replaces one step's judgement
    (`coaching.video.with_measured`) keeps what the other steps said."""

    @property
    def enough(self) -> bool:
        """False when no fault could be judged: "not enough answers"."""
        return any(level != UNTESTED for level in self.levels.values())

    def tested(self) -> dict[str, Level]:
        """The judged findings only."""
        return {f: lvl for f, lvl in self.levels.items() if lvl in LEVELS}


def assess(kb: KnowledgeBase, answers: Mapping[str, str]) -> Assessment:
    """The findings the answers support, fault by fault."""
    levels: dict[str, str] = {}
    missing: dict[str, list[str]] = {}
    for fault_id in FAULT_IDS:
        fault = kb.faults[fault_id]
        known = unknown = 0
        gaps: list[str] = []
        for step in kb.selftest.steps:
            if fault_id not in step.tested_faults():
                continue
            choice = answers.get(step.id)
            if fault_id in informs(step, choice):
                known += next(o for o in step.options if o.id == choice).scores.get(fault_id, 0)
            else:
                unknown += max(o.scores.get(fault_id, 0) for o in step.options)
                gaps.append(step.id)
        low, high = fault.level(known), fault.level(known + unknown)
        levels[fault_id] = UNTESTED if low != high and low == "none" else low
        missing[fault_id] = gaps
    return Assessment(levels, missing, dict(answers))


LEVEL_RANK: dict[Level, int] = {"none": 0, "mild": 1, "marked": 2}


def trend(previous: Level, latest: Level) -> int:
    """-1 better, 0 same, +1 worse: compares two findings for one fault."""
    delta = LEVEL_RANK[latest] - LEVEL_RANK[previous]
    return (delta > 0) - (delta < 0)


@dataclass(frozen=True)
class Comparison:
    """What changed since an earlier test: -1 better, 0 same, +1 worse per fault."""

    changes: dict[str, int]
    since: int | None
    """Index (in the history given) of the latest earlier test with enough answers."""
    against: dict[str, int] = field(default_factory=dict)
    """Per fault in `changes`, the index of the test it was compared with: `since`,
    or an older one where the fault was untested at `since`."""


def compare(earlier: Sequence[Assessment], latest: Assessment) -> Comparison:
    """Each finding of `latest` against the same fault's most recent judged level.

    Only tests with enough answers count as "last time": an all-skipped test is
    never compared against. A fault untested now, or never tested before, has no change.
    """
    usable = [i for i, a in enumerate(earlier) if a.enough]
    changes: dict[str, int] = {}
    against: dict[str, int] = {}
    for fault, level in latest.tested().items():
        for index in reversed(usable):
            before = earlier[index].tested().get(fault)
            if before is not None:
                changes[fault] = trend(before, level)
                against[fault] = index
                break
    return Comparison(changes, usable[-1] if usable else None, against)


def latest_judged(history: Sequence[Assessment]) -> Assessment | None:
    """The newest test with enough answers (what a plan is built on), if any."""
    return next((found for found in reversed(history) if found.enough), None)
