from pathlib import Path

from knowledge import KnowledgeBase
from knowledge.diagram import selftest_mermaid

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_docs_diagram_matches_the_content(kb: KnowledgeBase) -> None:
    assert (DOCS / "selftest.mmd").read_text() == selftest_mermaid(kb), (
        "docs/selftest.mmd is stale: run `hipcoach kb diagram`"
    )


def test_every_step_is_a_state_with_back_skip_and_cancel(kb: KnowledgeBase) -> None:
    diagram = selftest_mermaid(kb)
    for index, step in enumerate(kb.selftest.steps):
        assert f" as {step.id}\n" in diagram
        assert f"{step.id} --> Cancelled" in diagram
        if index:
            assert f"{step.id} --> {kb.selftest.steps[index - 1].id}: Back" in diagram
