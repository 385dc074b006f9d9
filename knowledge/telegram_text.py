"""Checks a text against what Telegram's HTML parse mode accepts.

Telegram rejects a whole message when its HTML is wrong (an unclosed tag, an
unsupported tag, a bare `&` or `<`), so a broken tip would fail at 6 a.m. on a
Monday for every athlete at once. We catch that when the content is loaded.
Length is measured the way Telegram measures it: visible text after entity
parsing, in UTF-16 code units.
"""

from __future__ import annotations

import html
import re
import string
from html.parser import HTMLParser

MESSAGE_LIMIT = 4096
BUTTON_LIMIT = 64

# The subset our content may use (Telegram supports a few more; keep it small).
ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "i": frozenset(),
    "u": frozenset(),
    "s": frozenset(),
    "code": frozenset(),
    "a": frozenset({"href"}),
    "blockquote": frozenset({"expandable"}),
}

_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_TAG = re.compile(r"<[^>]*>")


class _TelegramHTMLChecker(HTMLParser):
    """Collects problems instead of raising, so one pass reports them all."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.problems: list[str] = []
        self.open_tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"unsupported tag <{tag}> (allowed: {_allowed()})")
            return
        for name, _value in attrs:
            if name not in ALLOWED_TAGS[tag]:
                self.problems.append(f"unsupported attribute {name!r} on <{tag}>")
        if tag == "a" and not dict(attrs).get("href"):
            self.problems.append("<a> needs an href")
        self.open_tags.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing <{tag}/> is not supported (use a plain newline)")

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"unsupported tag </{tag}>")
            return
        if not self.open_tags:
            self.problems.append(f"</{tag}> closes nothing")
        elif self.open_tags[-1] != tag:
            self.problems.append(f"</{tag}> does not match the open <{self.open_tags[-1]}>")
            if tag in self.open_tags:
                del self.open_tags[self.open_tags.index(tag) :]
        else:
            self.open_tags.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            self.problems.append("bare '<' or '>' in text (write &lt; or &gt;)")

    def handle_comment(self, data: str) -> None:
        self.problems.append("HTML comments are not supported")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declarations are not supported")


def _allowed() -> str:
    return ", ".join(f"<{t}>" for t in ALLOWED_TAGS)


def html_problems(text: str) -> list[str]:
    """Every reason Telegram would reject `text` in HTML parse mode (empty if fine)."""
    problems: list[str] = []
    for match in re.finditer(r"&", text):
        if not _ENTITY.match(text, match.start()):
            snippet = text[match.start() : match.start() + 8]
            problems.append(f"bad entity {snippet!r} (write &amp; for a plain '&')")
            break
    checker = _TelegramHTMLChecker()
    checker.feed(text)
    checker.close()
    if checker.rawdata:  # html.parser keeps an unfinished "<b" here
        problems.append(f"unfinished tag {checker.rawdata[:12]!r}")
    problems.extend(checker.problems)
    problems.extend(f"unclosed <{tag}>" for tag in checker.open_tags)
    return problems


def visible_text(text: str) -> str:
    """The text a user sees: tags removed, entities decoded."""
    return html.unescape(_TAG.sub("", text))


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units of the visible text)."""
    return len(visible_text(text).encode("utf-16-le")) // 2


def placeholders(text: str) -> set[str]:
    """The str.format field names in `text`; ValueError if braces are unbalanced."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
