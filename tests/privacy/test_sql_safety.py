"""SQL only through bound parameters: no SQL text is ever built from values.

Walks the syntax tree of every module outside the migrations: raw SQL entry
points (`text()`, `execute()`, `exec_driver_sql()`, `executescript()`) may only
take a plain string literal or a SQLAlchemy expression, and no f-string,
`%`-format, `.format()` or concatenation anywhere may produce SQL.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "coaching", "scheduler", "knowledge")
RAW_SQL_CALLS = {"text", "execute", "exec_driver_sql", "executescript", "executemany"}
SQL = re.compile(
    r"\b(select\s.+\sfrom|insert\s+into|update\s+\w+\s+set|delete\s+from|drop\s+table|"
    r"where\s+\w+\s*(=|<|>|like|in)|pragma\s)",
    re.IGNORECASE | re.DOTALL,
)


def sources() -> list[Path]:
    found = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found.append(path)
    return found


def _built_string(node: ast.AST) -> bool:
    """A string made at run time from parts (f-string, %, +, .format)."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return any(
            isinstance(side, ast.Constant | ast.JoinedStr) for side in (node.left, node.right)
        )
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    )


def _literal_text(node: ast.AST) -> str:
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) if isinstance(v, ast.Constant) else " x " for v in node.values)
    if isinstance(node, ast.BinOp):
        return _literal_text(node.left) + " x " + _literal_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return _literal_text(node.func.value)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ""


def violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[str] = []
    where = path.relative_to(ROOT)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = (
                node.func.attr
                if isinstance(node.func, ast.Attribute)
                else node.func.id
                if isinstance(node.func, ast.Name)
                else ""
            )
            if name in RAW_SQL_CALLS and node.args and _built_string(node.args[0]):
                found.append(f"{where}:{node.lineno}: {name}() with a built string")
        if _built_string(node) and SQL.search(_literal_text(node)):
            found.append(f"{where}:{getattr(node, 'lineno', '?')}: SQL built from values")
    return found


def test_the_scan_sees_the_code() -> None:
    assert len(sources()) > 20
    sample = ast.parse('session.execute(text(f"SELECT * FROM athlete WHERE id = {x}"))')
    call = next(n for n in ast.walk(sample) if isinstance(n, ast.Call) and n.args)
    assert _built_string(call.args[0].args[0])  # type: ignore[attr-defined]


def test_no_sql_is_built_from_values() -> None:
    problems = [problem for path in sources() for problem in violations(path)]
    assert not problems, "\n".join(problems)


def test_detector_flags_the_usual_mistakes() -> None:
    for code in (
        "db.execute(f\"SELECT id FROM athlete WHERE name = '{name}'\")",
        'conn.exec_driver_sql("DELETE FROM athlete WHERE id = " + str(i))',
        "q = \"UPDATE athlete SET first_name = '{}'\".format(name)",
        'text("SELECT * FROM x WHERE a = %s" % a)',
    ):
        tree = ast.parse(code)
        flagged = any(_built_string(n) and SQL.search(_literal_text(n)) for n in ast.walk(tree))
        assert flagged, code
