"""Names people give us (first names, group names, group chat titles), made safe to keep.

Telegram passes names through as typed, and a name can hold characters that
break things downstream: PostgreSQL refuses a NUL byte in text, so an athlete
whose first name has one could never finish /start; bidi overrides and isolates
reorder the text around a name wherever it is shown (a coach's overview, a
group chat); zero-width characters make two names look the same. One helper,
used wherever a name comes in, takes these out before anything is stored.

Two joiners are kept where they do work: U+200D (ZWJ) inside an emoji sequence
("🏃‍♀️") and U+200C (ZWNJ) inside words of scripts that need it (Persian). Both
go when they stand next to ASCII, at either end, or beside another invisible
character, which is where they hide rather than join.
"""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Embeddings, overrides and isolates: they reorder the text that follows them."""

ZERO_WIDTH = frozenset("\u200b\u200e\u200f\ufeff\u2060")
"""Zero-width space, LRM/RLM marks, byte-order mark, word joiner."""

JOINERS = frozenset("\u200c\u200d")
"""ZWNJ and ZWJ: kept between two visible non-ASCII characters, dropped elsewhere."""


def _dropped(char: str) -> bool:
    """Control characters (C0, DEL, C1), lone surrogates, bidi controls, zero-width marks."""
    return unicodedata.category(char) in ("Cc", "Cs") or char in BIDI_CONTROLS or char in ZERO_WIDTH


def _joins(before: str, after: str) -> bool:
    return bool(before) and bool(after) and not before.isascii() and not after.isascii()


def clean_name(raw: str | None, limit: int | None = None) -> str:
    """`raw` without invisible or reordering characters, whitespace collapsed, at most
    `limit` characters (if given); "" when nothing visible is left (callers decide what
    that means).
    """
    kept: list[str] = []
    for char in raw or "":
        if char.isspace():
            kept.append(" ")  # a tab or newline (both control characters) separates words
        elif not _dropped(char):
            kept.append(char)
    text = "".join(kept)
    visible: list[str] = []
    for index, char in enumerate(text):
        if char in JOINERS:
            before = visible[-1] if visible else ""
            after = text[index + 1] if index + 1 < len(text) else ""
            if not _joins(before, after) or after in JOINERS:
                continue
        visible.append(char)
    name = " ".join("".join(visible).split())
    return name if limit is None else name[:limit].rstrip(" \u200c\u200d")


__all__ = ["BIDI_CONTROLS", "JOINERS", "ZERO_WIDTH", "clean_name"]
