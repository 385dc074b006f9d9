"""Onboarding and broadcast composition as Mermaid state diagrams, drawn from their tables.

`docs/onboarding.mmd` and `docs/coach_broadcast.mmd` are written by
`hipcoach kb diagram` (beside `docs/selftest.mmd`, drawn from the content) from
`coaching.onboarding.TRANSITIONS` and `coaching.broadcasts.TRANSITIONS`, the very
tables the flows follow; a test compares the files with this output, so the
pictures cannot drift from the code.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Protocol

from coaching import broadcasts, onboarding

START_STATES = frozenset({"new"})
END_STATES = frozenset({"sent", "discarded"})


class _Transition(Protocol):
    @property
    def source(self) -> StrEnum: ...

    @property
    def target(self) -> StrEnum: ...

    @property
    def label(self) -> str: ...


def _node(state: StrEnum) -> str:
    if state.value in START_STATES or state.value in END_STATES:
        return "[*]"
    return state.value.replace("/", "_")


def _label(text: str) -> str:
    return text.replace('"', "'").replace(":", " -").replace("\n", " ")


def mermaid(header: Iterable[str], transitions: Iterable[_Transition]) -> str:
    lines = [f"%% {line}" for line in header]
    lines.append("stateDiagram-v2")
    for t in transitions:
        lines.append(f"    {_node(t.source)} --> {_node(t.target)}: {_label(t.label)}")
    lines.append("")
    return "\n".join(lines)


def onboarding_mermaid() -> str:
    return mermaid(
        (
            "The /start onboarding flow, generated from coaching.onboarding.TRANSITIONS",
            "by `hipcoach kb diagram`. The current step is stored on the athlete and is",
            "the chat's pending question; an answer for any other step is refused.",
        ),
        onboarding.TRANSITIONS,
    )


def broadcast_mermaid() -> str:
    return mermaid(
        (
            "The /broadcast flow, generated from coaching.broadcasts.TRANSITIONS",
            "by `hipcoach kb diagram`. Every state is broadcast_draft.step in the",
            "database, and the draft is the coach's pending question.",
        ),
        broadcasts.TRANSITIONS,
    )


DIAGRAMS = {"onboarding.mmd": onboarding_mermaid, "coach_broadcast.mmd": broadcast_mermaid}
"""File name in docs/ and what draws it."""


__all__ = ["DIAGRAMS", "broadcast_mermaid", "mermaid", "onboarding_mermaid"]
