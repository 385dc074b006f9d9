"""A personal plan: what the knowledge base recommends for an athlete's findings.

Everyone gets the pre-run activation routine and the two free-weight strength
sessions of the method; the rules add targeted exercises and advice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from knowledge.schema import KnowledgeBase, Level, Localized

PRERUN_ROUTINE = "prerun_activation"


@dataclass
class Plan:
    routines: list[str] = field(default_factory=list)
    strength_sessions: list[str] = field(default_factory=list)
    exercises: list[str] = field(default_factory=list)
    advice: list[Localized] = field(default_factory=list)


def _add(target: list[str], ids: list[str]) -> None:
    target.extend(i for i in ids if i not in target)


def audiences_for(triathlete: bool | None) -> set[str]:
    return {"all", "triathlete"} if triathlete else {"all"}


def build_plan(kb: KnowledgeBase, levels: Mapping[str, Level], triathlete: bool | None) -> Plan:
    plan = Plan()
    if PRERUN_ROUTINE in kb.routines:
        plan.routines.append(PRERUN_ROUTINE)
    for rule in kb.recommendations(levels, audiences_for(triathlete)):
        _add(plan.routines, rule.recommend.routines)
        _add(plan.strength_sessions, rule.recommend.strength_sessions)
        _add(plan.exercises, rule.recommend.exercises)
        if rule.recommend.advice is not None:
            plan.advice.append(rule.recommend.advice)
    if not plan.strength_sessions:
        plan.strength_sessions.extend(kb.strength_sessions)
    return plan
