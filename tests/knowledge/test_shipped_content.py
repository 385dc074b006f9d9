"""The content we ship loads cleanly and has what the bot relies on."""

from __future__ import annotations

from knowledge import DEFAULT_CONTENT_DIR, KnowledgeBase, load_knowledge, render_item, text_for
from knowledge.checks import REQUIRED_UI_KEYS
from knowledge.loader import get_knowledge
from knowledge.telegram_text import MESSAGE_LIMIT, html_problems, telegram_length


def kb() -> KnowledgeBase:
    return get_knowledge()


def test_shipped_content_loads() -> None:
    loaded = load_knowledge()
    assert loaded.languages == ["en", "fi"]
    assert len(loaded.version) == 12


def test_version_is_stable_and_cached() -> None:
    assert load_knowledge().version == load_knowledge(DEFAULT_CONTENT_DIR).version
    assert get_knowledge() is get_knowledge(DEFAULT_CONTENT_DIR)


def test_at_least_thirty_distinct_tips() -> None:
    tips = kb().tips
    assert len(tips) >= 30
    assert len({t.id for t in tips}) == len(tips)
    assert len({t.text["en"] for t in tips}) == len(tips)
    assert all(t.topics for t in tips)
    assert any("triathlete" in t.audiences for t in tips)


def test_prerun_routine_and_two_strength_sessions() -> None:
    routine = kb().routines["prerun_activation"]
    names = {item.exercise for item in routine.items}
    assert {"glute_bridge", "donkey_kick"} <= names
    assert any(kb().exercises[n].kind == "mobility" for n in names)
    assert len(kb().strength_sessions) == 2
    for session in kb().strength_sessions.values():
        assert any(kb().exercises[i.exercise].kind == "strength" for i in session.items)


def test_selftest_steps_cover_every_named_test() -> None:
    tests = {step.test for step in kb().selftest.steps}
    assert {
        "back_arch",
        "hands_on_hips",
        "hip_drop_mirror",
        "knees_inward",
        "compression",
        "doorway",
        "bowl_of_water",
        "cadence",
    } <= tests
    assert 8 <= len(kb().selftest.steps) <= 10


def test_selftest_and_ui_are_complete_in_finnish() -> None:
    for step in kb().selftest.steps:
        for _path, text, _kind in step.localized():
            assert "fi" in text
    for key in REQUIRED_UI_KEYS:
        assert "fi" in kb().ui[key], key


def test_ui_text_formats_and_falls_back() -> None:
    assert kb().ui_text("welcome", "en", name="Anna").startswith("Hi Anna!")
    assert kb().ui_text("welcome", "fi", name="Anna").startswith("Hei Anna!")
    assert kb().ui_text("bad_time", "sv", value="25:00").startswith("'25:00' is not a time")
    assert text_for({"en": "hello"}, "fi") == "hello"


def test_every_item_renders_as_valid_telegram_html_in_every_language() -> None:
    for item in kb().all_items():
        for lang in kb().languages:
            rendered = render_item(kb(), item.id, lang)
            assert html_problems(rendered) == [], item.id
            assert 0 < telegram_length(rendered) <= MESSAGE_LIMIT


def test_rendered_exercise_has_all_parts() -> None:
    rendered = render_item(kb(), "glute_bridge")
    assert rendered.startswith("<b>Glute bridge</b>")
    assert "1. Lie on your back" in rendered
    assert "<b>Dose (general guidance):</b> 2 × 12–15 reps" in rendered
    assert "<b>Common mistakes</b>\n• " in rendered
    assert "<b>Feel:</b> The glutes push, the hamstrings don't pull" in rendered
    assert "⚠️ Skip it if" in rendered


def test_rendered_step_lists_title_question_and_options() -> None:
    rendered = render_item(kb(), "cadence", "fi")
    assert rendered.startswith("<b>Askeltiheytesi</b>")
    assert "• Alle 160" in rendered


def test_general_guidance_is_marked_when_rendered() -> None:
    guided = [t for t in kb().tips if t.general_guidance]
    assert guided
    assert "General training guidance" in render_item(kb(), guided[0].id)
    plain = next(t for t in kb().tips if not t.general_guidance)
    assert "General training guidance" not in render_item(kb(), plain.id)


def test_triathlete_rule_applies_only_to_triathletes() -> None:
    nothing: dict[str, str] = dict.fromkeys(kb().faults, "none")
    everyone = {r.id for r in kb().recommendations(nothing, {"all"})}
    triathletes = {r.id for r in kb().recommendations(nothing, {"all", "triathlete"})}
    assert "rule_triathlete" in triathletes - everyone
