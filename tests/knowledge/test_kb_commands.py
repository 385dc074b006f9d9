"""`hipcoach kb check` and `kb show` output."""

from __future__ import annotations

import io
from pathlib import Path

from bot.kb_commands import kb_check, kb_show
from tests.knowledge.helpers import copy_content, replace_in


def test_check_ok_prints_summary() -> None:
    out = io.StringIO()
    assert kb_check(out=out) == 0
    text = out.getvalue()
    assert "Knowledge base OK" in text
    assert "tips" in text and "exercises" in text and "self-test steps" in text
    assert "by topic:" in text and "by fault:" in text and "by audience:" in text
    assert "by method:" in text and "triathlete" in text


def test_check_prints_every_error(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    line = replace_in(content / "routines.yaml", "- exercise: donkey_kick", "- exercise: nope")
    replace_in(content / "ui.yaml", "'{value}' ei ole kellonaika", "'{arvo}' ei ole kellonaika")
    out = io.StringIO()
    assert kb_check(content, out=out) == 1
    text = out.getvalue()
    assert f"routines.yaml:{line}: routines[prerun_activation].items[1].exercise: " in text
    assert "unknown exercise 'nope'" in text
    assert "bad_time.fi: placeholders" in text
    assert "2 error(s)" in text


def test_show_renders_html() -> None:
    out = io.StringIO()
    assert kb_show("prerun_activation", out=out) == 0
    assert out.getvalue().startswith("<b>Pre-run activation</b>")
    out = io.StringIO()
    assert kb_show("glute_bridge", lang="fi", out=out) == 0
    assert out.getvalue().startswith("<b>Lantionnosto</b>")


def test_show_unknown_id() -> None:
    out = io.StringIO()
    assert kb_show("no_such_item", out=out) == 1
    assert "No item with id 'no_such_item'" in out.getvalue()
