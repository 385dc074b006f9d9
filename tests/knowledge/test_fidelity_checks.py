"""`kb check` enforces the marks, the safety lines, complete languages and retired wording."""

from __future__ import annotations

from pathlib import Path

from tests.knowledge.helpers import (
    copy_content,
    find_error,
    line_containing,
    load_errors,
    replace_in,
)


def test_an_item_without_method_or_mark_fails(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    recovery = content / "tips" / "training.yaml"
    replace_in(recovery, "    general_guidance: true\n    method: []\n", "    method: []\n")
    line = line_containing(recovery, "- id: tip_recovery_sleep")
    find_error(
        load_errors(content),
        "training.yaml",
        line + 2,
        "cites no part of the coach's method",
        field="tips[tip_recovery_sleep].method",
    )


def test_the_pain_triage_must_be_marked_general_guidance(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    line = replace_in(content / "pain.yaml", "general_guidance: true", "general_guidance: false")
    find_error(load_errors(content), "pain.yaml", line, "the pain triage is general guidance")


def test_an_exercise_without_its_safety_line_fails(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    exercises = content / "exercises.yaml"
    text = exercises.read_text(encoding="utf-8")
    start = text.index('    safety:\n      en: "Skip it if your back or hips hurt')
    end = text.index("\n\n", start)
    exercises.write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    line = line_containing(exercises, "- id: glute_bridge")
    find_error(load_errors(content), "exercises.yaml", line, "loads a joint but has no")


def test_a_self_test_step_that_loads_a_joint_needs_its_safety_line(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    selftest = content / "selftest.yaml"
    replace_in(
        selftest,
        '      loads_joint: true\n      safety:\n        en: "Hopping loads',
        '      loads_joint: true\n      ignored:\n        en: "Hopping loads',
    )
    errors = load_errors(content)
    assert any("ignored" in e.field and "knees_inward" in e.field for e in errors)


def test_a_served_language_missing_from_an_exercise_step_fails(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    exercises = content / "exercises.yaml"
    replace_in(exercises, '        fi: "Nosta toinen polvi eteen lantion korkeudelle."\n', "")
    line = line_containing(exercises, "Lift the other knee to hip height in front of you.")
    find_error(
        load_errors(content),
        "exercises.yaml",
        line,
        "missing fi translation",
        field="exercises[hip_circles].steps[1].fi",
    )


def test_the_retired_tilt_cue_cannot_come_back(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    line = replace_in(
        content / "tips" / "posture.yaml",
        "Check yourself once this week.",
        "Tilt the bottom of your pelvis back. Check yourself once this week.",
    )
    find_error(
        load_errors(content), "posture.yaml", line, "retired wording 'bottom of your pelvis'"
    )


def test_a_plural_needs_every_category(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    replace_in(
        content / "ui.yaml",
        'count_weeks_one: {en: "{count} week", fi: "{count} viikko"}\n',
        'count_weeks_one: {en: "{count} week", fi: "{count} viikkoa"}\n'.replace("one", "uno"),
    )
    line = line_containing(content / "meta.yaml", "plurals: [count_weeks")
    find_error(load_errors(content), "meta.yaml", line, "plural 'count_weeks' has no 'one' form")


def test_a_tip_must_name_real_answers(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    line = replace_in(
        content / "tips" / "cadence.yaml",
        "when_answers: {cadence: [c170_180]}",
        "when_answers: {cadence: [c170]}",
    )
    find_error(load_errors(content), "cadence.yaml", line, "step 'cadence' has no option 'c170'")
