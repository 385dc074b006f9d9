"""Parse ``parse_mode=HTML`` text the way Telegram's server does.

Telegram rejects the *whole* message when its HTML is off (an unsupported tag
such as ``<br>``, a tag left open, an unescaped ``<``), so the bot's renderer
must escape every piece of user text. Mirroring those rules here (after
tdlib's ``parse_html``) makes such bugs fail in tests rather than in production.
"""

from __future__ import annotations

import html
import re

SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_ATTRIBUTE = re.compile(r"""\s*([A-Za-z_-]+)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s>"']+))?""")
MAX_NESTING = 10


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; ``str(exc)`` is Telegram's wording."""


def _offset(text: str, index: int) -> int:
    """Telegram reports positions as UTF-8 byte offsets."""
    return len(text[:index].encode("utf-8"))


def _decode(chunk: str) -> str:
    """Decode the entities Telegram knows; a bare ``&`` stays as it is."""
    return _ENTITY.sub(lambda m: html.unescape(m.group(0)), chunk)


def parse_html(text: str) -> str:
    """Validate ``text`` and return the plain text the user would see."""
    out: list[str] = []
    open_tags: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        lt = text.find("<", i)
        if lt < 0:
            out.append(_decode(text[i:]))
            break
        out.append(_decode(text[i:lt]))
        if lt + 1 < n and text[lt + 1] == "/":
            i = _end_tag(text, lt, open_tags)
        else:
            i = _start_tag(text, lt, open_tags)
    if open_tags:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"')
    return "".join(out)


def _start_tag(text: str, begin: int, open_tags: list[str]) -> int:
    if len(open_tags) >= MAX_NESTING:
        raise HtmlParseError("Too many nested entities")
    i = begin + 1
    n = len(text)
    while i < n and not text[i].isspace() and text[i] != ">":
        i += 1
    if i >= n:
        raise HtmlParseError(f"Unclosed start tag at byte offset {_offset(text, begin)}")
    name = text[begin + 1 : i].lower()
    if name not in SUPPORTED_TAGS:
        raise HtmlParseError(
            f'Unsupported start tag "{name}" at byte offset {_offset(text, begin)}'
        )
    close = text.find(">", i)
    if close < 0:
        raise HtmlParseError(f"Unclosed start tag at byte offset {_offset(text, begin)}")
    attributes = dict(
        (m.group(1).lower(), (m.group(2) or "").strip("\"'"))
        for m in _ATTRIBUTE.finditer(text[i:close])
    )
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise HtmlParseError(
            f'Tag "span" must have class "tg-spoiler" at byte offset {_offset(text, begin)}'
        )
    open_tags.append(name)
    return close + 1


def _end_tag(text: str, begin: int, open_tags: list[str]) -> int:
    close = text.find(">", begin)
    if close < 0:
        raise HtmlParseError(f"Unclosed end tag at byte offset {_offset(text, begin)}")
    name = text[begin + 2 : close].strip().lower()
    if not open_tags:
        raise HtmlParseError(f"Unexpected end tag at byte offset {_offset(text, begin)}")
    expected = open_tags.pop()
    if name != expected:
        raise HtmlParseError(
            f"Unmatched end tag at byte offset {_offset(text, begin)}, "
            f'expected "</{expected}>", found "</{name}>"'
        )
    return close + 1
