"""Cards: built from the content, every part there, each on one screen in every language."""

from __future__ import annotations

import pytest

from knowledge import KnowledgeBase
from knowledge.render import CARD_LIMIT, render_card
from knowledge.schema import PROGRESSION_LEVELS
from knowledge.telegram_text import MESSAGE_LIMIT, html_problems, telegram_length


def card_ids(kb: KnowledgeBase) -> list[str]:
    return [*kb.exercises, *kb.routines, *kb.strength_sessions]


def test_every_card_fits_one_screen_in_every_language(kb: KnowledgeBase) -> None:
    for item in card_ids(kb):
        for lang in kb.languages:
            for level in (None, *PROGRESSION_LEVELS):
                card = render_card(kb, item, lang, level)
                assert html_problems(card) == [], item
                assert telegram_length(card) <= CARD_LIMIT <= MESSAGE_LIMIT, (item, lang)


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_an_exercise_card_has_every_part(kb: KnowledgeBase, lang: str) -> None:
    exercise = kb.exercises["single_leg_deadlift"]
    card = render_card(kb, exercise.id, lang, "bodyweight")
    assert exercise.purpose[lang] in card
    assert exercise.feel[lang] in card
    assert f"1. {exercise.steps[0][lang]}" in card
    assert exercise.dose[lang] in card
    assert exercise.mistakes[0][lang] in card
    assert exercise.safety is not None and exercise.safety[lang] in card
    assert exercise.home is not None and exercise.home[lang] in card
    assert exercise.load_rule is not None and exercise.load_rule[lang] in card
    levels = exercise.levels or {}
    assert (
        f"▶ <i>{kb.ui_text('card_level_bodyweight', lang)}:</i> {levels['bodyweight'][lang]}"
        in card
    )
    assert f"• <i>{kb.ui_text('card_level_barbell', lang)}:</i>" in card


def test_the_dose_is_marked_general_guidance(kb: KnowledgeBase) -> None:
    assert "Dose (general guidance):" in render_card(kb, "glute_bridge", "en")
    assert "Määrä (yleinen ohje):" in render_card(kb, "glute_bridge", "fi")
    assert "general guidance" in render_card(kb, "strength_a", "en")


def test_a_session_card_lists_its_exercises_with_doses(kb: KnowledgeBase) -> None:
    card = render_card(kb, "strength_b", "fi")
    assert "<b>Voimatreeni B</b>" in card
    assert "3. <b>Taka-askelkyykky</b> — 3 × 8 toistoa per puoli" in card


def test_every_free_weight_exercise_has_levels_a_load_rule_and_a_home_variant(
    kb: KnowledgeBase,
) -> None:
    for exercise in kb.exercises.values():
        if exercise.kind == "strength":
            assert exercise.levels is not None and set(exercise.levels) == set(PROGRESSION_LEVELS)
            assert exercise.load_rule is not None and exercise.home is not None


def test_finnish_terms(kb: KnowledgeBase) -> None:
    everything = str(kb.model_dump())
    assert "Taka-askelkyykky" in everything
    assert "kirsikka kakun päällä" in everything
    assert "polven painuminen sisäänpäin" in everything.lower()
    assert "vedä häntäluu alle, kuin vetäisit tiukkojen farkkujen vetoketjun kiinni" in everything


def test_the_method_wording(kb: KnowledgeBase) -> None:
    texts = [t for item in kb.all_items() for _, loc, _ in item.localized() for t in loc.values()]
    everything = "\n".join(texts)
    assert "tuck your tailbone under, as if zipping up tight jeans" in everything.lower()
    assert "bottom of your pelvis" not in everything.lower()
    step = kb.selftest.step("compression")
    assert "<b>gently</b>" in step.instructions["en"]
    assert "stand tall, reach for a high shelf, and retest" in step.instructions["en"]
    assert kb.selftest.step("knees_inward").safety is not None  # the hop test's caveat
    assert "opposite knee" in kb.faults["hip_drop"].explanation["marked"]["en"]
    assert "often" in kb.faults["hip_drop"].explanation["marked"]["en"]
    assert (
        "starts at the hips, not the shoes" in kb.faults["overstriding"].explanation["marked"]["en"]
    )
    assert "quads and hamstrings" in kb.exercises["glute_bridge"].purpose["en"]
    assert "gravity" in kb.faults["anterior_tilt"].explanation["marked"]["en"]
