"""/video is offered where an athlete looks for it: the menu, /help, the self-test, the plan."""

from __future__ import annotations

from bot.app import _commands
from knowledge import KnowledgeBase
from knowledge.schema import text_for


def test_the_command_menu_has_video_in_every_language(kb: KnowledgeBase) -> None:
    for lang in kb.languages:
        menu = {command.command: command.description for command in _commands(kb, lang)}
        assert menu["video"] == kb.ui_text("command_video", lang)
    finnish = {command.command: command.description for command in _commands(kb, "fi")}
    assert finnish["video"] == "Mittaa juoksutekniikkasi videolta"


def test_help_says_what_video_measures(kb: KnowledgeBase) -> None:
    assert "/video – measure your running form" in kb.ui_text("help", "en")
    assert "/video – mittaa juoksutekniikkasi" in kb.ui_text("help", "fi")


def test_the_hip_drop_and_foot_landing_steps_offer_a_measurement(kb: KnowledgeBase) -> None:
    for step_id, measures in (
        ("pelvis_dip", "measure the dip"),
        ("foot_strike", "measure how far"),
    ):
        step = kb.selftest.step(step_id)
        assert measures in text_for(step.instructions, "en")
        for lang in kb.languages:
            assert "/video" in text_for(step.instructions, lang)


def test_the_plan_offers_video_in_every_language(kb: KnowledgeBase) -> None:
    for lang in kb.languages:
        assert "/video" in kb.ui_text("plan_video", lang)
        assert "/video" in kb.ui_text("plan_measured", lang, date="1.1.2027")
