"""YAML loading that remembers where things are.

Coaches edit the content by hand, so every error must point at a line.
PyYAML's plain dicts forget their position; this loader builds dict and
list subclasses that remember the line of the node and of each key or item,
and records duplicate keys (which PyYAML would silently overwrite).
"""

from __future__ import annotations

from typing import Any

import yaml


class LineDict(dict[Any, Any]):
    """A mapping that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[Any, int]


class LineList(list[Any]):
    """A sequence that knows its own line and the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]


class DuplicateKey(Exception):
    """A key that appears twice in one mapping: almost always a copy-paste mistake."""

    def __init__(self, key: object, line: int, first_line: int) -> None:
        super().__init__(f"duplicate key {key!r} (first defined on line {first_line})")
        self.line = line


_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""LibYAML's parser where PyYAML was built with it: the content (two languages
throughout) parses several times faster, and the bot loads it at every start."""


class _LineLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader whose mappings and sequences carry line numbers."""

    duplicates: list[DuplicateKey]


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        key_line = key_node.start_mark.line + 1
        if key in result:
            loader.duplicates.append(DuplicateKey(key, key_line, result.key_lines[key]))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_line
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(text: str) -> tuple[Any, list[DuplicateKey]]:
    """Parse one YAML document; raise yaml.YAMLError on syntax errors.

    Returns the data and the duplicate keys found (reported, not fatal, so the
    loader can keep collecting errors).
    """
    loader = _LineLoader(text)
    loader.duplicates = []
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    return data, loader.duplicates


def line_of(root: object, path: tuple[object, ...], default: int) -> int:
    """The line of the deepest node along `path` that we can still find.

    Used to place pydantic errors: their `loc` is a path into the raw data.
    Path parts that do not exist in the data (pydantic's union tags, a
    missing field) stop the walk at the nearest known parent.
    """
    line = getattr(root, "line", default) or default
    node: object = root
    for part in path:
        if isinstance(node, LineDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line
