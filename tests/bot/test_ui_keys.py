"""Every interface text the bot asks for exists in the knowledge base, in every language."""

import re
from pathlib import Path

from knowledge import KnowledgeBase

BOT = Path(__file__).resolve().parents[2] / "bot"
LITERAL_KEY = re.compile(
    r"""\b(?:ui|t|say|toast|notify|refuse|reask|_reask)\([^"'\n]*?["']([a-z0-9_]+)["']"""
)
PREFIXED_KEY = re.compile(r"""\b(?:ui|t|say)\([^"'\n]*?f["']([a-z0-9_]+)\{""")


def used_keys() -> tuple[set[str], set[str]]:
    source = "\n".join(p.read_text() for p in BOT.rglob("*.py"))
    return set(LITERAL_KEY.findall(source)), set(PREFIXED_KEY.findall(source))


def test_scan_finds_keys() -> None:
    literal, prefixed = used_keys()
    assert {"welcome", "help", "stale_button"} <= literal
    assert {"weekday_", "level_"} <= prefixed


def test_every_used_key_exists(kb: KnowledgeBase) -> None:
    literal, prefixed = used_keys()
    missing = sorted(literal - set(kb.ui))
    assert not missing, f"ui.yaml lacks: {missing}"
    for prefix in prefixed:
        assert any(key.startswith(prefix) for key in kb.ui), prefix


def test_command_descriptions_exist(kb: KnowledgeBase) -> None:
    from bot.app import COMMANDS

    missing = [name for name in COMMANDS if f"command_{name}" not in kb.ui]
    assert not missing


def test_help_lists_every_command_in_every_language(kb: KnowledgeBase) -> None:
    from bot.app import COMMANDS

    for lang in kb.languages:
        help_text = kb.ui_text("help", lang)
        missing = [name for name in COMMANDS if f"/{name} " not in help_text]
        assert not missing, (lang, missing)
