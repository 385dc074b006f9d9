"""`hipcoach kb check` and `hipcoach kb show <id>`: the coach's content tools.

Plain functions (no Telegram) so the CLI, tests and CI can call them. A coach
edits `knowledge/content/`, runs `kb check` to see every error as
file:line: field: reason, and `kb show <id>` to preview the exact HTML the
bot will send.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from knowledge import KnowledgeError, load_knowledge, render_item


def kb_check(content_dir: Path | None = None, out: TextIO = sys.stdout) -> int:
    """Validate all content; print a summary or every error. 0 = ok, 1 = errors."""
    try:
        kb = load_knowledge(content_dir)
    except KnowledgeError as exc:
        for error in exc.errors:
            print(error, file=out)
        print(f"\n{len(exc.errors)} error(s); the bot will refuse this content.", file=out)
        return 1
    counts = {
        "tips": len(kb.tips),
        "exercises": len(kb.exercises),
        "routines": len(kb.routines),
        "strength sessions": len(kb.strength_sessions),
        "faults": len(kb.faults),
        "self-test steps": len(kb.selftest.steps),
        "rules": len(kb.rules),
        "ui texts": len(kb.ui),
    }
    print(
        f"Knowledge base OK (version {kb.version}, languages: {', '.join(kb.languages)})", file=out
    )
    for kind, count in counts.items():
        print(f"  {kind:<18} {count}", file=out)
    for family, tags in kb.tags().items():
        listed = ", ".join(f"{tag} {count}" for tag, count in tags.items()) or "-"
        print(f"  by {family}: {listed}", file=out)
    return 0


def kb_show(
    item_id: str,
    lang: str = "en",
    content_dir: Path | None = None,
    out: TextIO = sys.stdout,
) -> int:
    """Print one item as the bot would send it (Telegram HTML). 0 = ok, 1 = not found."""
    try:
        kb = load_knowledge(content_dir)
    except KnowledgeError as exc:
        print(exc, file=out)
        return 1
    try:
        print(render_item(kb, item_id, lang), file=out)
    except KeyError:
        print(f"No item with id {item_id!r}. `hipcoach kb check` lists what there is.", file=out)
        return 1
    return 0
