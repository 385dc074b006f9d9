"""Validated items that still know where they came from.

Cross-item checks (references, languages, HTML) run after pydantic; to
report a line they need the raw YAML node the item was built from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from knowledge.errors import ContentError
from knowledge.schema import ContentItem, Localized, Meta, SelfTestStep
from knowledge.yaml_lines import line_of

T = TypeVar("T")


def format_path(prefix: str, path: Sequence[object]) -> str:
    """`tips[x]` + ("text", "fi") -> `tips[x].text.fi`; ints become `[2]`."""
    out = prefix
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass(frozen=True)
class Located(Generic[T]):
    """A validated value, its file, its raw YAML node and its field path prefix."""

    value: T
    file: str
    node: object
    prefix: str
    section: str

    def error(self, path: Sequence[object], reason: str) -> ContentError:
        """An error about the field at `path` inside this item."""
        line = line_of(self.node, tuple(path), getattr(self.node, "line", 1))
        return ContentError(self.file, line, format_path(self.prefix, path), reason)


@dataclass
class Collected:
    """Everything read from the files, before cross-item checks."""

    errors: list[ContentError] = field(default_factory=list)
    meta: Located[Meta] | None = None
    meta_seen: bool = False
    invalid_ids: set[str] = field(default_factory=set)
    """Ids of items that failed validation: references to them are not errors too."""
    invalid_sections: set[str] = field(default_factory=set)
    unreadable_files: list[str] = field(default_factory=list)
    """Files with YAML errors: checks across files are skipped, they would only mislead."""
    items: dict[str, list[Located[ContentItem]]] = field(default_factory=dict)
    steps: list[Located[SelfTestStep]] = field(default_factory=list)
    selftest_seen: Located[None] | None = None
    ui: dict[str, Located[Localized]] = field(default_factory=dict)
