"""Handlers commit, then reply: no Bot API call waits inside a database transaction.

A reply sent before the commit could announce something a failed commit then
loses, and on SQLite it would hold the single write lock during a network call.
"""

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"
NETWORK_CALLS = {
    "answer",
    "answer_query",
    "edit_message_text",
    "edit_query_message",
    "reply_text",
    "send_document",
    "send_html",
    "send_message",
    "send_photo",
    "reask",
    "send_next",
}


def network_calls_inside_transactions() -> list[str]:
    found = []
    for path in BOT.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.AsyncWith):
                continue
            if not any("transaction" in ast.unparse(item.context_expr) for item in node.items):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Await) and isinstance(inner.value, ast.Call):
                    func = inner.value.func
                    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                    if name in NETWORK_CALLS:
                        found.append(f"{path.relative_to(BOT.parent)}:{inner.lineno}")
    return found


def test_the_scan_sees_transactions() -> None:
    source = (BOT / "handlers" / "selftest.py").read_text()
    assert "db.transaction()" in source


def test_no_bot_api_call_inside_a_transaction() -> None:
    assert network_calls_inside_transactions() == []
