"""Copy the shipped content somewhere and break one thing in it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge import DEFAULT_CONTENT_DIR, ContentError, KnowledgeError, load_knowledge


def copy_content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, target)
    return target


def replace_in(path: Path, old: str, new: str) -> int:
    """Replace the first `old` with `new`; return the 1-based line where `new` starts."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text[: text.index(new)].count("\n") + 1


def line_containing(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def load_errors(content: Path) -> list[ContentError]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(content)
    return caught.value.errors


def find_error(
    errors: list[ContentError], file: str, line: int, reason: str, field: str | None = None
) -> ContentError:
    """The error at file:line whose reason contains `reason` (fails listing all errors)."""
    for error in errors:
        if (
            error.file.endswith(file)
            and error.line == line
            and reason in error.reason
            and (field is None or error.field == field)
        ):
            return error
    listed = "\n".join(str(e) for e in errors)
    raise AssertionError(f"no error {file}:{line} {field}: {reason!r} in:\n{listed}")
