"""Names taken in from Telegram lose what breaks storage or display, and keep the rest."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coaching.names import BIDI_CONTROLS, ZERO_WIDTH, clean_name


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Ann\x00", "Ann"),  # PostgreSQL refuses NUL in text
        ("\x01Ann\x7f\x9f", "Ann"),  # C0, DEL and C1 controls
        ("\u202eevil\u202c", "evil"),  # right-to-left override and its pop
        ("Ann\u2066\u2067\u2068x\u2069", "Annx"),  # isolates
        ("\u202a\u202b\u202dA", "A"),  # embeddings, left-to-right override
        ("A\u200bn\u200e\u200fn\ufeff\u2060", "Ann"),  # zero-width space, marks, BOM, joiner
        ("Jo\u200dhn", "John"),  # a joiner between ASCII letters only hides
        ("\u200c\u200dAnn\u200d", "Ann"),
        ("Ann\nLee\tSmith\r\n", "Ann Lee Smith"),  # line breaks separate words
        ("  Ann   Lee  ", "Ann Lee"),
        ("x\ud800y", "xy"),  # a lone surrogate cannot be stored as UTF-8
        ("\x00\u202e\u200b", ""),
        (None, ""),
    ],
    ids=repr,
)
def test_invisible_and_reordering_characters_are_removed(raw: str | None, clean: str) -> None:
    assert clean_name(raw) == clean


@pytest.mark.parametrize(
    "name",
    [
        "Ann",
        "Åsa Öberg",
        "José",
        "Zoë-Marie O'Neil",
        "李小龍",
        "Мария",
        "🏃\u200d♀️ Mia",
        "می\u200cخواهم",
    ],
)
def test_ordinary_names_are_kept_as_typed(name: str) -> None:
    assert clean_name(name) == name


def test_the_limit_cuts_after_cleaning() -> None:
    assert clean_name("\u202e" + "a" * 70, limit=64) == "a" * 64
    assert clean_name("👩\u200d💻" * 30, limit=3) == "👩\u200d💻"
    assert clean_name("👩\u200d💻👩", limit=2) == "👩"  # no dangling joiner


@given(st.text())
def test_no_control_bidi_or_zero_width_character_survives(raw: str) -> None:
    clean = clean_name(raw)
    assert not any(c in BIDI_CONTROLS or c in ZERO_WIDTH for c in clean)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in clean)
    assert clean == clean.strip()
    clean.encode("utf-8")  # storable: no lone surrogates
    assert clean_name(clean) == clean  # cleaning twice changes nothing
