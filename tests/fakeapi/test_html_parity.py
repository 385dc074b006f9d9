"""The fake Bot API reads HTML exactly as our content checks and the bot do.

`fakeapi` may import nothing of ours, so it carries its own copy of the parser
(`fakeapi/html_check.py`) of `knowledge/telegram_html.py`. The copy must stay
identical: this test compares the files, then feeds both the same cases and a
few hundred fuzzed strings and wants the same answer from each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakeapi import html_check
from knowledge import telegram_html
from tests.fakeapi.html_cases import CASES, html_soup

ROOT = Path(__file__).resolve().parents[2]


def answer(module: Any, text: str, allow_empty: bool = False) -> object:
    try:
        parsed = module.parse_html(text, allow_empty=allow_empty)
    except module.HtmlParseError as exc:
        return (type(exc).__name__, exc.description, exc.byte_offset)
    return (parsed.text, parsed.entity_dicts(), parsed.loose)


def test_the_copy_is_identical() -> None:
    original = (ROOT / "knowledge" / "telegram_html.py").read_text()
    copy = (ROOT / "fakeapi" / "html_check.py").read_text()
    assert copy == original, "copy knowledge/telegram_html.py to fakeapi/html_check.py"


@pytest.mark.parametrize("html", [c[0] for c in CASES], ids=[repr(c[0])[:40] for c in CASES])
def test_same_answer_on_every_case(html: str) -> None:
    assert answer(html_check, html) == answer(telegram_html, html)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(html_soup(), st.text(max_size=60)), st.booleans())
def test_same_answer_on_fuzz(text: str, allow_empty: bool) -> None:
    assert answer(html_check, text, allow_empty) == answer(telegram_html, text, allow_empty)
