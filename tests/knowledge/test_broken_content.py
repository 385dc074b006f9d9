"""Each way of breaking the content fails with file, line, field and reason."""

from __future__ import annotations

from pathlib import Path

from knowledge.errors import ContentError
from tests.knowledge.helpers import (
    copy_content,
    find_error,
    line_containing,
    load_errors,
    replace_in,
)


def test_unknown_exercise_in_routine(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    line = replace_in(
        content / "routines.yaml", "- exercise: donkey_kick", "- exercise: donkey_kik"
    )
    errors = load_errors(content)
    find_error(
        errors,
        "routines.yaml",
        line,
        "unknown exercise 'donkey_kik'",
        field="routines[prerun_activation].items[1].exercise",
    )


def test_unknown_exercise_in_rule(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    line = replace_in(
        content / "rules.yaml",
        "exercises: [half_kneeling_pelvic_tilt, glute_bridge]",
        "exercises: [half_kneeling_pelvic_tilt, glute_bridges]",
    )
    find_error(load_errors(content), "rules.yaml", line, "unknown exercise 'glute_bridges'")


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    training = content / "tips" / "training.yaml"
    training.write_text(
        training.read_text(encoding="utf-8")
        + "  - id: tip_why_hips\n    topics: [why_hips]\n    text: {en: Again.}\n",
        encoding="utf-8",
    )
    line = line_containing(training, "- id: tip_why_hips")
    first = line_containing(content / "tips" / "posture.yaml", "- id: tip_why_hips")
    error = find_error(load_errors(content), "training.yaml", line, "duplicate id 'tip_why_hips'")
    assert f"posture.yaml:{first}" in error.reason


def test_duplicate_key_in_a_mapping(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    ui = content / "ui.yaml"
    first = line_containing(ui, "cancelled:")
    ui.write_text(ui.read_text(encoding="utf-8") + "cancelled: {en: x, fi: y}\n", encoding="utf-8")
    line = len(ui.read_text(encoding="utf-8").splitlines())
    error = find_error(load_errors(content), "ui.yaml", line, "duplicate key 'cancelled'")
    assert f"first defined on line {first}" in error.reason


def test_missing_finnish_in_selftest(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    line = replace_in(
        content / "selftest.yaml",
        'title: {en: "Your day", fi: "Päiväsi"}',
        'title: {en: "Your day"}',
    )
    find_error(
        load_errors(content),
        "selftest.yaml",
        line,
        "missing fi translation",
        field="selftest.steps[sitting].title.fi",
    )


def test_missing_finnish_in_ui(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    line = replace_in(content / "ui.yaml", 'skip: {en: "Skip", fi: "Ohita"}', 'skip: {en: "Skip"}')
    find_error(load_errors(content), "ui.yaml", line, "missing fi translation", field="skip.fi")


def test_a_served_language_must_be_complete_even_in_tips(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    posture = content / "tips" / "posture.yaml"
    text = posture.read_text(encoding="utf-8")
    start = text.index('      fi: "<b>Miksi lonkat?')
    end = text.index("\n", start) + 1
    posture.write_text(text[:start] + text[end:], encoding="utf-8")
    line = line_containing(posture, "- id: tip_why_hips") + 3  # its `text:`
    find_error(
        load_errors(content),
        "posture.yaml",
        line,
        "missing fi translation",
        field="tips[tip_why_hips].text.fi",
    )


def test_a_draft_language_may_be_incomplete(tmp_path: Path) -> None:
    from knowledge import load_knowledge

    content = copy_content(tmp_path)
    replace_in(content / "meta.yaml", "draft_languages: []", "draft_languages: [sv]")
    replace_in(
        content / "tips" / "posture.yaml",
        "topics: [why_hips]\n    method: [why_hips]\n    text:\n",
        'topics: [why_hips]\n    method: [why_hips]\n    text:\n      sv: "Varför höfter?"\n',
    )
    kb = load_knowledge(content)
    assert kb.languages == ["en", "fi"]
    why = next(t for t in kb.tips if t.id == "tip_why_hips")
    assert why.text["sv"] == "Varför höfter?"


def test_text_over_the_message_limit(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    line = replace_in(
        content / "tips" / "training.yaml",
        '"Strength is built while you recover.',
        '"' + "Long. " * 700 + "Strength is built while you recover.",
    )
    find_error(
        load_errors(content),
        "training.yaml",
        line,
        "Telegram's message limit is 4096",
        field="tips[tip_recovery_sleep].text.en",
    )


def test_rendered_item_over_the_message_limit(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    exercises = content / "exercises.yaml"
    keep_going = "Keep going. " * 300
    long_step = f'      - {{en: "{keep_going}", fi: "{keep_going}"}}\n'
    replace_in(
        exercises,
        '    dose: {en: "2 × 12–15 reps"',
        long_step * 2 + '    dose: {en: "2 × 12–15 reps"',
    )
    line = line_containing(exercises, "- id: glute_bridge")
    find_error(load_errors(content), "exercises.yaml", line, "rendered message in en is")


def test_button_label_over_64_characters(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    line = replace_in(
        content / "selftest.yaml",
        '{en: "Most of the day"',
        '{en: "Most of the day, every single day of the week, at a desk, in a car"',
    )
    find_error(load_errors(content), "selftest.yaml", line, "the limit is 64")


def test_broken_html(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    posture = content / "tips" / "posture.yaml"
    line = replace_in(posture, 'en: "<b>Why hips?</b>', 'en: "<b>Why hips?')
    line2 = replace_in(posture, "<b>Sitting folds you in half.</b>", "Sitting<br>folds & you")
    errors = load_errors(content)
    find_error(errors, "posture.yaml", line, "unclosed <b>", field="tips[tip_why_hips].text.en")
    find_error(errors, "posture.yaml", line2, "unsupported tag <br>")
    find_error(errors, "posture.yaml", line2, "bad entity")


def test_mismatched_html(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    line = replace_in(content / "ui.yaml", "<b>Your settings</b>", "<b><i>Your settings</b></i>")
    # A block scalar (`en: |-`) is reported at its key, the line above the text.
    find_error(load_errors(content), "ui.yaml", line - 1, "</b> does not match the open <i>")


def test_yaml_syntax_error(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    line = replace_in(
        content / "exercises.yaml",
        "    faults: [anterior_tilt, hip_drop]\n",
        "   faults: [anterior_tilt, hip_drop]\n",
    )
    errors = load_errors(content)
    error = find_error(errors, "exercises.yaml", line, "YAML syntax error")
    assert error.field == "(yaml)"
    # A file that cannot be read does not also produce misleading follow-up errors.
    assert [e for e in errors if "unknown exercise" in e.reason] == []


def test_placeholder_mismatch(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    line = replace_in(
        content / "ui.yaml", "'{value}' ei ole kellonaika", "'{arvo}' ei ole kellonaika"
    )
    find_error(
        load_errors(content),
        "ui.yaml",
        line,
        "placeholders ['arvo'] do not match English ['value']",
        field="bad_time.fi",
    )


def test_missing_required_ui_key(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    replace_in(content / "ui.yaml", "nothing_to_cancel:", "nothing_to_cancel_renamed:")
    find_error(
        load_errors(content), "(content)", 0, "required UI text is missing", "ui.nothing_to_cancel"
    )


def test_schema_error_points_at_the_field(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    line = replace_in(content / "exercises.yaml", "kind: activation", "kind: warmup")
    find_error(
        load_errors(content),
        "exercises.yaml",
        line,
        "Input should be",
        "exercises[glute_bridge].kind",
    )


def test_unknown_method_tag_and_topic(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    line = replace_in(content / "tips" / "training.yaml", "topics: [mobility]", "topics: [mobilty]")
    find_error(load_errors(content), "training.yaml", line, "unknown topic 'mobilty'")


def test_unreachable_threshold(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    line = replace_in(content / "faults.yaml", "marked_at: 3", "marked_at: 30")
    find_error(load_errors(content), "faults.yaml", line, "unreachable")


def test_all_errors_are_collected_not_just_the_first(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    replace_in(content / "routines.yaml", "- exercise: donkey_kick", "- exercise: donkey_kik")
    replace_in(content / "ui.yaml", "'{value}' ei ole kellonaika", "'{arvo}' ei ole kellonaika")
    replace_in(
        content / "selftest.yaml",
        'title: {en: "Your day", fi: "Päiväsi"}',
        'title: {en: "Your day"}',
    )
    errors = load_errors(content)
    files = {Path(e.file).name for e in errors}
    assert {"routines.yaml", "ui.yaml", "selftest.yaml"} <= files


def test_error_string_format() -> None:
    error = ContentError("tips/a.yaml", 3, "tips[x].text.fi", "missing fi translation")
    assert str(error) == "tips/a.yaml:3: tips[x].text.fi: missing fi translation"
