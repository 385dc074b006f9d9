"""Group names as a coach sees them: counted in grapheme clusters, compared case-insensitively.

A coach types "Tiistai 🏃‍♀️" and sees eleven characters; Python's `len` counts
fourteen code points (the runner is a sequence joined by U+200D). Limits count
what is seen, so a name is measured with the `regex` module's `\\X` (an extended
grapheme cluster, Unicode's own rule). Two names are the same group name when
their case-folded NFC forms are equal ("Track", "TRACK", "track").

Nothing here touches the database: `coach_models` derives a group's
`name_key` from its name with `name_key`, and `coaches` cleans what a coach typed.
"""

from __future__ import annotations

import unicodedata

import regex  # type: ignore[import-untyped]  # ships no stubs

_CLUSTER = regex.compile(r"\X")


def graphemes(text: str) -> int:
    """How many characters a reader sees in `text` (extended grapheme clusters)."""
    return len(_CLUSTER.findall(text))


def name_key(name: str) -> str:
    """The form two group names are compared in: "Track" and "TRACK" share one."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


__all__ = ["graphemes", "name_key"]
