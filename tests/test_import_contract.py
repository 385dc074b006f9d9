"""The rooms' contract: `knowledge` ← `coaching` ← `scheduler` ← `bot`, nothing below `bot/`
imports `telegram`, the fake Bot API imports nothing of ours, and no package's modules
import each other in a circle. Read from the source, so no import order can hide a breach."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = ("knowledge", "coaching", "scheduler", "bot", "fakeapi")
MAY_IMPORT = {
    "knowledge": set[str](),
    "coaching": {"knowledge"},
    "scheduler": {"coaching", "knowledge"},
    "bot": {"scheduler", "coaching", "knowledge", "fakeapi"},
    "fakeapi": set[str](),
}
TELEGRAM_ALLOWED = {"bot", "fakeapi"}


def modules(package: str) -> Iterator[tuple[str, Path]]:
    for path in sorted((ROOT / package).rglob("*.py")):
        relative = path.relative_to(ROOT).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def imported(path: Path, module: str) -> Iterator[str]:
    """Every module `path` imports, at any depth (inside functions and TYPE_CHECKING too)."""
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                yield ".".join([*base, node.module] if node.module else base)
            elif node.module:
                yield node.module
                for alias in node.names:
                    yield f"{node.module}.{alias.name}"


@pytest.mark.parametrize("package", OURS)
def test_each_room_imports_only_the_rooms_below_it(package: str) -> None:
    breaches = []
    for module, path in modules(package):
        for name in imported(path, module):
            top = name.split(".")[0]
            if top in OURS and top != package and top not in MAY_IMPORT[package]:
                breaches.append(f"{module} imports {name}")
            if top == "telegram" and package not in TELEGRAM_ALLOWED:
                breaches.append(f"{module} imports {name}")
    assert breaches == []


def _graph(package: str) -> dict[str, set[str]]:
    names = dict(modules(package))
    graph: dict[str, set[str]] = {module: set() for module in names}
    for module, path in names.items():
        for name in imported(path, module):
            if name in names and name != module and not names[name].name == "__init__.py":
                graph[module].add(name)
    return graph


@pytest.mark.parametrize("package", OURS)
def test_no_circle_of_imports(package: str) -> None:
    graph = _graph(package)
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        path.append(module)
        for target in sorted(graph[module]):
            found = visit(target)
            if found:
                return found
        path.pop()
        done.add(module)
        return None

    for module in sorted(graph):
        circle = visit(module)
        assert circle is None, " -> ".join(circle)
