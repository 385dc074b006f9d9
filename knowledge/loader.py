"""Reads `knowledge/content/` into a validated `KnowledgeBase`.

Runs at bot startup and in `hipcoach kb check`. It never stops at the first
problem: every error is collected with its file, line, field path and reason,
so a coach can fix a whole batch of edits in one go.

Files: every `*.yaml` under the content directory. A file named `ui.yaml`
is a flat map of interface texts (`key: {en: ..., fi: ...}`); every other
file is a mapping of sections (`meta`, `tips`, `exercises`, `routines`,
`strength_sessions`, `faults`, `selftest`, `rules`, `pain`, `video`), so content can be
split across files freely.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from knowledge.checks import check_all, check_rendered
from knowledge.errors import ContentError, KnowledgeError
from knowledge.located import Collected, Located, format_path
from knowledge.schema import (
    ContentItem,
    Exercise,
    Fault,
    KnowledgeBase,
    Meta,
    PainTriage,
    Routine,
    Rule,
    SelfTestStep,
    StrengthSession,
    Tip,
    VideoGuidance,
)
from knowledge.yaml_lines import LineDict, LineList, line_of, load_yaml

__all__ = [
    "DEFAULT_CONTENT_DIR",
    "ContentError",
    "KnowledgeError",
    "get_knowledge",
    "load_knowledge",
]

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parent / "content"
UI_FILE_NAME = "ui.yaml"

ITEM_SECTIONS: dict[str, type[ContentItem]] = {
    "tips": Tip,
    "exercises": Exercise,
    "routines": Routine,
    "strength_sessions": StrengthSession,
    "faults": Fault,
    "rules": Rule,
}


def _display_name(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _validate(
    model: type[BaseModel], raw: object, file: str, prefix: str, out: list[ContentError]
) -> Any:
    """Validate one item; on failure add one error per pydantic problem and return None."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        base = getattr(raw, "line", 1)
        for problem in exc.errors():
            loc = tuple(problem["loc"])
            reason = problem["msg"]
            if problem["type"] == "missing":
                reason = "required field is missing"
            out.append(
                ContentError(file, line_of(raw, loc, base), format_path(prefix, loc), reason)
            )
        return None


def _item_prefix(section: str, raw: object, index: int) -> str:
    ident = raw.get("id") if isinstance(raw, dict) else None
    return f"{section}[{ident}]" if isinstance(ident, str) else f"{section}[{index}]"


def _read_items(
    section: str,
    raw: object,
    model: type[BaseModel],
    file: str,
    line: int,
    out: Collected,
    sink: Callable[[Located[Any]], None],
) -> None:
    if not isinstance(raw, LineList):
        out.errors.append(ContentError(file, line, section, "must be a list of items"))
        return
    for index, element in enumerate(raw):
        prefix = _item_prefix(section, element, index)
        value = _validate(model, element, file, prefix, out.errors)
        if value is not None:
            sink(Located(value, file, element, prefix, section.split(".")[0]))
        else:
            out.invalid_sections.add(section.split(".")[0])
            if isinstance(element, dict) and isinstance(element.get("id"), str):
                out.invalid_ids.add(element["id"])


def _read_sections(data: LineDict, file: str, out: Collected) -> None:
    for section, raw in data.items():
        line = data.key_lines[section]
        if section in ITEM_SECTIONS:
            _read_items(
                section,
                raw,
                ITEM_SECTIONS[section],
                file,
                line,
                out,
                out.items.setdefault(section, []).append,
            )
        elif section == "selftest":
            if out.selftest_seen is not None:
                first = out.selftest_seen
                out.errors.append(
                    ContentError(file, line, section, f"already defined in {first.file}")
                )
                continue
            out.selftest_seen = Located(None, file, raw, section, section)
            if not isinstance(raw, LineDict) or set(raw) != {"steps"}:
                out.errors.append(ContentError(file, line, section, "must be {steps: [...]}"))
                continue
            steps_line = raw.key_lines["steps"]
            _read_items(
                "selftest.steps",
                raw["steps"],
                SelfTestStep,
                file,
                steps_line,
                out,
                out.steps.append,
            )
        elif section in SINGLE_SECTIONS:
            _read_single(section, raw, file, line, out)
        elif section == "meta":
            if out.meta_seen:
                first_file = out.meta.file if out.meta is not None else "another file"
                reason = f"already defined in {first_file}"
                out.errors.append(ContentError(file, line, section, reason))
                continue
            out.meta_seen = True
            meta = _validate(Meta, raw, file, "meta", out.errors)
            if meta is not None:
                out.meta = Located(meta, file, raw, "meta", "meta")
        else:
            known = ", ".join(["meta", "selftest", *SINGLE_SECTIONS, *ITEM_SECTIONS])
            reason = f"unknown section (known: {known})"
            out.errors.append(ContentError(file, line, str(section), reason))


SINGLE_SECTIONS: dict[str, type[ContentItem]] = {"pain": PainTriage, "video": VideoGuidance}
"""Sections that are one item, defined once: the pain triage, the video thresholds."""


def _read_single(section: str, raw: object, file: str, line: int, out: Collected) -> None:
    """One mapping, defined once in all the files, checked like any other item."""
    earlier = out.items.get(section)
    if earlier or section in out.invalid_sections:
        where = earlier[0].file if earlier else "another file"
        out.errors.append(ContentError(file, line, section, f"already defined in {where}"))
        return
    item = _validate(SINGLE_SECTIONS[section], raw, file, section, out.errors)
    if item is None:
        out.invalid_sections.add(section)
        return
    out.items.setdefault(section, []).append(Located(item, file, raw, section, section))


def _read_ui(data: LineDict, file: str, out: Collected) -> None:
    for key, raw in data.items():
        line = data.key_lines[key]
        if not isinstance(key, str):
            out.errors.append(ContentError(file, line, str(key), "UI keys must be strings"))
            continue
        if key in out.ui:
            reason = f"duplicate UI key (first in {out.ui[key].file})"
            out.errors.append(ContentError(file, line, key, reason))
            continue
        ok = isinstance(raw, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
        )
        if not ok:
            reason = "must map language codes to texts, e.g. {en: ..., fi: ...}"
            out.errors.append(ContentError(file, line, key, reason))
            continue
        out.ui[key] = Located(dict(raw), file, raw, key, "ui")


def _read_file(path: Path, text: str, out: Collected) -> None:
    file = _display_name(path)
    try:
        data, duplicates = load_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        reason = f"YAML syntax error: {exc.problem or exc}"
        out.errors.append(ContentError(file, line, "(yaml)", reason))
        out.unreadable_files.append(file)
        return
    except yaml.YAMLError as exc:
        out.errors.append(ContentError(file, 1, "(yaml)", f"YAML error: {exc}"))
        out.unreadable_files.append(file)
        return
    out.errors.extend(ContentError(file, d.line, "(yaml)", str(d)) for d in duplicates)
    if data is None:
        return
    if not isinstance(data, LineDict):
        out.errors.append(ContentError(file, 1, "(file)", "top level must be a mapping"))
        return
    if path.name == UI_FILE_NAME:
        _read_ui(data, file, out)
    else:
        _read_sections(data, file, out)


def _content_files(content_dir: Path) -> list[Path]:
    return sorted(p for p in content_dir.rglob("*") if p.suffix in {".yaml", ".yml"})


def load_knowledge(content_dir: Path | None = None) -> KnowledgeBase:
    """Load and validate all content; raise KnowledgeError listing every problem."""
    root = Path(content_dir) if content_dir is not None else DEFAULT_CONTENT_DIR
    out = Collected()
    digest = hashlib.sha256()
    files = _content_files(root)
    if not files:
        raise KnowledgeError([ContentError(str(root), 0, "(dir)", "no content files found")])
    for path in files:
        raw_bytes = path.read_bytes()
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + raw_bytes + b"\0")
        try:
            text = raw_bytes.decode("utf-8")
        except UnicodeDecodeError as exc:
            out.errors.append(ContentError(_display_name(path), 1, "(file)", f"not UTF-8: {exc}"))
            continue
        _read_file(path, text, out)

    kb = check_all(out, version=digest.hexdigest()[:12])
    if kb is None or out.errors:
        raise KnowledgeError(out.errors)
    out.errors.extend(check_rendered(kb, out))
    if out.errors:
        raise KnowledgeError(out.errors)
    return kb


@functools.lru_cache(maxsize=8)
def _cached(root: Path) -> KnowledgeBase:
    return load_knowledge(root)


def get_knowledge(content_dir: Path | None = None) -> KnowledgeBase:
    """`load_knowledge`, cached per directory: for the bot, which loads it once."""
    root = Path(content_dir) if content_dir is not None else DEFAULT_CONTENT_DIR
    return _cached(root.resolve())
