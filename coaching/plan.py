"""A personal plan: what the knowledge base recommends for an athlete's findings.

Everyone gets the pre-run activation routine and the two free-weight strength
sessions of the method; the rules add targeted exercises and advice. /plan
shows at most `MAX_PRIORITIES` pieces of advice first, most important first and
none twice, so it fits one screen; every routine, session and exercise is a
card behind a button (`cards`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from knowledge.schema import FaultId, KnowledgeBase, Level, Localized

PRERUN_ROUTINE = "prerun_activation"
MAX_PRIORITIES = 3


@dataclass
class Plan:
    routines: list[str] = field(default_factory=list)
    strength_sessions: list[str] = field(default_factory=list)
    exercises: list[str] = field(default_factory=list)
    advice: list[Localized] = field(default_factory=list)
    """Every rule's advice that applies, most important first, each once."""

    @property
    def priorities(self) -> list[Localized]:
        """What /plan says first: the most important advice, at most three."""
        return self.advice[:MAX_PRIORITIES]

    def cards(self) -> list[str]:
        """Every item the plan names, as card ids: routines, sessions, then exercises."""
        return [*self.routines, *self.strength_sessions, *self.exercises]


def _add(target: list[str], ids: list[str]) -> None:
    target.extend(i for i in ids if i not in target)


def audiences_for(triathlete: bool | None) -> set[str]:
    return {"all", "triathlete"} if triathlete else {"all"}


def build_plan(
    kb: KnowledgeBase,
    levels: Mapping[FaultId, Level] | Mapping[str, Level],
    triathlete: bool | None,
) -> Plan:
    """The plan for these findings (`Assessment.tested()`): a fault left out, or untested,
    counts as nothing found, so a plan never prescribes for what the answers did not show."""
    plan = Plan()
    if PRERUN_ROUTINE in kb.routines:
        plan.routines.append(PRERUN_ROUTINE)
    found: dict[str, str] = {str(fault): level for fault, level in levels.items()}
    for rule in kb.recommendations(found, audiences_for(triathlete)):
        _add(plan.routines, rule.recommend.routines)
        _add(plan.strength_sessions, rule.recommend.strength_sessions)
        _add(plan.exercises, rule.recommend.exercises)
        advice = rule.recommend.advice
        if advice is not None and advice not in plan.advice:
            plan.advice.append(advice)
    if not plan.strength_sessions:
        plan.strength_sessions.extend(kb.strength_sessions)
    return plan
