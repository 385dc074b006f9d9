"""The onboarding and broadcast diagrams in docs/ are drawn from the tables the flows follow."""

from __future__ import annotations

from pathlib import Path

import pytest

from coaching import broadcasts, onboarding
from coaching.diagram import DIAGRAMS, broadcast_mermaid, onboarding_mermaid

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("name", sorted(DIAGRAMS))
def test_docs_diagrams_match_the_transition_tables(name: str) -> None:
    assert (DOCS / name).read_text() == DIAGRAMS[name](), (
        f"docs/{name} is stale: run `hipcoach kb diagram`"
    )


def test_every_onboarding_question_but_the_first_has_back_and_cancel() -> None:
    diagram = onboarding_mermaid()
    for previous, step in zip(onboarding.ORDER, onboarding.ORDER[1:], strict=False):
        assert f"    {step.value} --> {previous.value}: Back" in diagram
    for step in onboarding.ORDER:
        assert f"    {step.value} --> cancelled: /cancel" in diagram


def test_consent_is_confirmed_before_anything_is_erased() -> None:
    diagram = onboarding_mermaid()
    assert "consent --> withdrawal" in diagram
    assert diagram.count("withdrawal --> tz") == 2  # erase, or keep


def test_every_draft_step_can_be_cancelled_and_sent_only_from_preview_or_confirm() -> None:
    diagram = broadcast_mermaid()
    for step in broadcasts.Step:
        assert f"    {step.value} --> [*]: Cancel or /cancel" in diagram
    sent = [line for line in diagram.splitlines() if "--> [*]" in line and "Cancel" not in line]
    assert [line.split()[0] for line in sent] == ["preview", "confirm"]
