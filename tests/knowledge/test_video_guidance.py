"""The running-form video thresholds are content: validated, marked general guidance, sourced."""

from __future__ import annotations

from pathlib import Path

from knowledge import KnowledgeBase, load_knowledge, render_item
from tests.knowledge.helpers import copy_content, find_error, load_errors, replace_in

DOCS = Path(__file__).resolve().parents[2] / "docs" / "video.md"
CITED_AS = {"bramah2018": "Bramah C", "maykut2015": "Maykut JN", "hip_coach": "Hip Coach's own"}
"""How docs/video.md names each source the content cites."""


def guidance_file(content: Path) -> Path:
    return content / "video" / "guidance.yaml"


def test_the_shipped_thresholds(kb: KnowledgeBase) -> None:
    video = kb.video
    assert video.general_guidance
    assert (video.pelvic_difference.degrees, video.pelvic_difference.consistent_share) == (3, 0.75)
    assert (video.pelvic_levels.mild_deg, video.pelvic_levels.marked_deg) == (5, 8)
    assert video.pelvic_strides.per_leg == 10
    assert (video.running.min_steps, video.running.min_spm, video.running.max_spm) == (12, 130, 240)
    assert video.runner_size.min_height_share == 0.5


def test_every_threshold_names_a_source_that_docs_video_cites(kb: KnowledgeBase) -> None:
    docs = DOCS.read_text(encoding="utf-8")
    used = {threshold.source for threshold in kb.video.thresholds().values()}
    assert used <= set(kb.video.sources)
    for source in kb.video.sources:
        assert CITED_AS[source] in docs, source


def test_kb_show_lists_the_thresholds_with_their_sources(kb: KnowledgeBase) -> None:
    for lang in kb.languages:
        shown = render_item(kb, "video_form", lang)
        assert "3°" in shown and "75" in shown and "8°" in shown
        assert "Bramah" in shown and "Maykut" in shown
        assert kb.ui_text("kb_general_guidance", lang) in shown


def test_the_thresholds_must_be_marked_general_guidance(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    line = replace_in(guidance_file(content), "general_guidance: true", "general_guidance: false")
    find_error(load_errors(content), "guidance.yaml", line, "are general guidance")


def test_a_threshold_must_cite_a_known_source(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    replace_in(guidance_file(content), "source: bramah2018}", "source: bramah2019}")
    errors = load_errors(content)
    assert any("unknown source" in e.reason and "bramah2019" in e.reason for e in errors)


def test_a_threshold_without_a_source_fails(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    line = replace_in(
        guidance_file(content),
        "pelvic_strides: {per_leg: 10, source: hip_coach}",
        "pelvic_strides: {per_leg: 10}",
    )
    find_error(load_errors(content), "guidance.yaml", line, "required field is missing")


def test_the_hip_drop_bands_must_be_ordered(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    replace_in(
        guidance_file(content), "mild_deg: 5.0, marked_deg: 8.0", "mild_deg: 8.0, marked_deg: 5.0"
    )
    errors = load_errors(content)
    assert any("marked_deg must be greater than mild_deg" in e.reason for e in errors)


def test_the_thresholds_are_required_and_defined_once(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    original = guidance_file(content).read_text(encoding="utf-8")
    (content / "video" / "again.yaml").write_text(original, encoding="utf-8")
    assert any("already defined" in e.reason for e in load_errors(content))
    (content / "video" / "again.yaml").unlink()
    guidance_file(content).unlink()
    assert any(
        e.field == "video" and "no video thresholds" in e.reason for e in load_errors(content)
    )


def test_an_edited_threshold_reaches_the_knowledge_base(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    replace_in(guidance_file(content), "degrees: 3.0", "degrees: 4.5")
    assert load_knowledge(content).video.pelvic_difference.degrees == 4.5
