"""Telegram's ``parse_mode=HTML``, read the way Telegram's server reads it.

Telegram rejects the *whole* message when its HTML is off, so a tip with a
stray ``<`` would fail for every athlete at once. This module follows the
server's own parser (tdlib's ``parse_html`` and ``fix_formatted_text``) rule
for rule and answers with its wording:

- tags: ``b strong i em u ins s strike del tg-spoiler`` (and ``span`` with
  ``class="tg-spoiler"``), ``a href``, ``tg-emoji emoji-id``, ``code``, ``pre``
  (an inner ``code class="language-…"`` names the language), ``blockquote``
  (``blockquote expandable``). Tag names are case-insensitive, end tags are
  compared as written (``<B>x</B>`` is "Unmatched end tag"), and ``</>``
  closes whatever is open;
- attribute values are quoted, or unquoted only when made of letters, digits,
  ``.`` and ``-`` (``<a href=https://x.y>`` is "Unexpected end of name token");
- ``&lt; &gt; &amp; &quot;`` and numeric references are decoded (the ``;`` is
  optional, as there); any other ``&`` is shown as it is; a reference to a
  surrogate (``&#55296;``) makes the text invalid Unicode and is rejected;
- after parsing, control characters become spaces, ``\\r`` and U+2028–U+202E
  go, leading and trailing spaces and newlines are trimmed, and a text left
  with only whitespace or invisible characters is "message text is empty".

Where Telegram *accepts* a message but silently drops part of its formatting,
we reject it instead, so the loss shows up in a test rather than in a user's
chat (the reason is worded like Telegram's, the decision is ours):

- anything inside ``code``/``pre`` except the one ``code`` that fills a ``pre``
  (Telegram keeps no entity inside code);
- a blockquote inside a blockquote (they can't be nested);
- links, custom emoji, code and blockquotes inside a link or a custom emoji
  (these entities can't contain each other);
- a link whose URL is not ``http(s)://``, ``tg://``, ``ton://`` or a bare domain
  (``javascript:``, ``mailto:`` and ``<a>plain words</a>`` lose their link).

Lengths are UTF-16 code units of the text after parsing, as Telegram counts
them (4096 for a message, 1024 for a caption).

This file has two copies: ``knowledge/telegram_html.py`` (content checks, the
bot's splitting and repair) and ``fakeapi/html_check.py`` (the fake Bot API,
which imports nothing of ours). They must stay identical; a test compares them
and runs both over the same cases. Standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024

EMPTY_TEXT = "Bad Request: message text is empty"
PARSE_PREFIX = "Bad Request: can't parse entities: "

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
_SIMPLE_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_CONTINUOUS = frozenset({"a", "tg-emoji", "code", "pre"})
"""Entities that can't contain one another (``code`` filling a ``pre`` aside)."""
_HIDDEN_DATA = frozenset({"text_link", "code", "pre"})
"""Entities kept even when they hold only spaces, and never narrowed past them."""

_SPACE = frozenset(" \t\r\n\v\0")
"""tdlib's ``is_space``; NUL doubles as its end of text."""
_DIGITS = frozenset("0123456789")
_HEX = frozenset("0123456789abcdefABCDEF")
_ALPHA = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_NAME_TOKEN = _ALPHA | _DIGITS | frozenset(".-")
_NAMED = {"lt": 0x3C, "gt": 0x3E, "amp": 0x26, "quot": 0x22}

_SPECIAL = re.compile(r"[&<>]")
_CLEANED = re.compile(r"[\x00-\x09\x0b-\x1f\r\u2028-\u202e\u0333\u033f\u030a]")
_ASTRAL = re.compile(r"[\U00010000-\U0010ffff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SPACE_LIKE = re.compile(
    "[\u1680\u180e\u2000-\u200a\u202f\u205f\u2800\u3000\ufffc\U000e0000-\U000e007f]"
)
_INVISIBLE = re.compile(r"[ \n\u200b-\u200f\u202e\u2060-\u2064\ufeff\u00a0]+")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_DOMAIN = re.compile(
    r"(?:(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9\-]*[A-Za-z0-9]"
    r"|[0-9]{1,3}(?:\.[0-9]{1,3}){3})"
    r"(?::[0-9]{1,5})?(?:[/?#]\S*)?"
)
_HTTP_REST = re.compile(r"//[^/?#@:\s]+(?::[0-9]{1,5})?(?:[/?#]|$)")
_EMOJI_ID = re.compile(r"-?[0-9]+")
_TAG_LIKE = re.compile(r"<(?:/[^\s>]{0,10}[\s>]|[A-Za-z][A-Za-z-]{0,9}[\s>])")


class HtmlParseError(ValueError):
    """Telegram would refuse the text; ``str(exc)`` is its whole description.

    ``reason`` is what follows "can't parse entities: " (Telegram's words, with
    the UTF-8 ``byte_offset`` when there is one).
    """

    def __init__(self, reason: str, byte_offset: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.byte_offset = byte_offset

    @property
    def description(self) -> str:
        """The error as the Bot API words it, e.g. for a 400 answer."""
        return PARSE_PREFIX + self.reason

    def __str__(self) -> str:
        return self.description


class EmptyTextError(HtmlParseError):
    """Nothing visible is left once the HTML is parsed (whitespace and invisibles only)."""

    def __init__(self) -> None:
        super().__init__("message text is empty")

    @property
    def description(self) -> str:
        return EMPTY_TEXT


@dataclass(frozen=True, slots=True)
class Entity:
    """One formatting entity; ``offset``/``length`` are in UTF-16 code units."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The Bot API's ``MessageEntity`` object."""
        result: dict[str, Any] = {"type": self.type, "offset": self.offset, "length": self.length}
        if self.url is not None:
            result["url"] = self.url
        if self.language is not None:
            result["language"] = self.language
        if self.custom_emoji_id is not None:
            result["custom_emoji_id"] = self.custom_emoji_id
        return result


@dataclass(frozen=True, slots=True)
class ParsedText:
    """What the user sees: the text and its entities, as Telegram stores them.

    ``loose`` holds the source indices of a ``&`` or ``>`` that Telegram shows
    as written although its documentation asks for ``&amp;``/``&gt;`` (content
    checks flag them; Telegram does not).
    """

    text: str
    entities: tuple[Entity, ...] = ()
    loose: tuple[int, ...] = field(default=(), compare=False)

    @property
    def length(self) -> int:
        """Length as Telegram counts it: UTF-16 code units."""
        return utf16_length(self.text)

    def entity_dicts(self) -> list[dict[str, Any]]:
        """The entities as Bot API objects."""
        return [entity.to_dict() for entity in self.entities]


@dataclass(frozen=True, slots=True)
class Token:
    """A piece of the source: a tag or a character reference (text lies between them).

    ``name`` is the tag an end tag closes (so ``</>`` is named too); ``argument``
    is a start tag's href, language, emoji id, "spoiler" or "1" (expandable).
    """

    start: int
    end: int
    kind: str  # "start", "end" or "ref"
    name: str = ""
    argument: str = ""
    char: str = ""


@dataclass(slots=True)
class _Open:
    tag: str
    argument: str
    offset: int
    out_index: int
    begin: int
    order: int
    children: int = 0
    code_end: int | None = None


def utf16_length(text: str) -> int:
    """UTF-16 code units in ``text`` (a character beyond U+FFFF counts two)."""
    return len(text) + len(_ASTRAL.findall(text))


def parse_html(text: str, *, allow_empty: bool = False) -> ParsedText:
    """The text and entities Telegram makes of ``text``; raises ``HtmlParseError``.

    ``allow_empty`` is for captions, which may be empty after parsing; a message
    text may not (``EmptyTextError``).
    """
    return _Parser(text, None).run(allow_empty)


def parse_plain(text: str, *, allow_empty: bool = False) -> ParsedText:
    """What Telegram makes of ``text`` sent without a parse mode (cleaned, trimmed)."""
    return _fix(text, [], (), allow_empty)


def html_tokens(text: str) -> list[Token]:
    """Tags and character references of a valid ``text``, in order; raises like ``parse_html``."""
    tokens: list[Token] = []
    _Parser(text, tokens).run(True)
    return tokens


def read_tag(text: str, begin: int) -> Token | None:
    """The start or end tag at ``text[begin] == "<"`` as Telegram reads it, or None if
    it is not one there. Only its syntax is looked at: a link's URL and an emoji id
    are checked when the element closes with something inside, nesting in context."""
    if not _TAG_LIKE.match(text, begin):
        return None  # cheap: most stray '<' are not followed by a tag name
    parser = _Parser(text, None)
    try:
        if parser.at(begin + 1) == "/":
            end = parser.scan_end_name(begin)
            return Token(begin, end, "end", text[begin + 2 : parser.name_end])
        tag, argument, end = parser.scan_start(begin)
        return Token(begin, end, "start", tag, argument)
    except HtmlParseError:
        return None


def link_url(url: str) -> str | None:
    """The URL a link may point to, or None: http(s), tg and ton links and bare domains
    (taken as http://), as Telegram keeps them; anything else loses its link."""
    if not url or any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        return None
    scheme = _SCHEME.match(url)
    if scheme and "." not in scheme.group(1):
        name = scheme.group(1).lower()
        rest = url[scheme.end() :]
        if name in ("http", "https"):
            return url if _HTTP_REST.match(rest) else None
        if name in ("tg", "ton", "tonsite"):
            return url if rest.strip("/") else None
        return None
    return "http://" + url if _DOMAIN.fullmatch(url) else None


def _valid_emoji_id(argument: str) -> bool:
    if not _EMOJI_ID.fullmatch(argument):
        return False
    value = int(argument)
    return value != 0 and -(2**63) <= value < 2**63


def _ascii_lower(value: str) -> str:
    return value.translate(_LOWER)


_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def decode_reference(text: str, pos: int) -> tuple[int, int]:
    """``(code point, end)`` of the character reference at ``text[pos] == "&"``, or
    ``(0, pos)`` when Telegram keeps the ``&`` as it is (tdlib's decode_html_entity)."""
    n = len(text)

    def at(index: int) -> str:
        return text[index] if index < n else "\0"

    end = pos + 1
    value = 0
    if at(pos + 1) == "#":
        end += 1
        if at(pos + 2) == "x":
            end += 1
            while at(end) in _HEX:
                value = min(value * 16 + int(text[end], 16), 0x110000)
                end += 1
        else:
            while at(end) in _DIGITS:
                value = min(value * 10 + int(text[end]), 0x110000)
                end += 1
        if value == 0 or value >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while at(end) in _ALPHA:
            end += 1
        named = _NAMED.get(text[pos + 1 : end])
        if named is None:
            return 0, pos
        value = named
    if at(end) == ";":
        end += 1
    return value, end


class _Parser:
    """One pass over the source, as tdlib's ``do_parse_html``."""

    def __init__(self, text: str, tokens: list[Token] | None) -> None:
        self.text = text
        self.n = len(text)
        self.tokens = tokens
        self.name_end = 0

    def at(self, index: int) -> str:
        return self.text[index] if index < self.n else "\0"

    def byte_offset(self, index: int) -> int:
        return len(self.text[:index].encode("utf-8", "surrogatepass"))

    def fail(self, reason: str, index: int) -> HtmlParseError:
        offset = self.byte_offset(index)
        return HtmlParseError(reason.replace("{offset}", str(offset)), offset)

    # ------------------------------------------------------------------ tags

    def scan_start(self, begin: int) -> tuple[str, str, int]:
        """``(tag, argument, index after ">")`` of the start tag at ``begin``."""
        at = self.at
        i = begin + 1
        while at(i) not in _SPACE and at(i) != ">":
            i += 1
        if at(i) == "\0":
            raise self.fail("Unclosed start tag at byte offset {offset}", begin)
        tag = _ascii_lower(self.text[begin + 1 : i])
        if tag not in SUPPORTED_TAGS:
            raise self.fail(f'Unsupported start tag "{tag}" at byte offset {{offset}}', begin)
        argument = ""
        while at(i) != ">":
            while at(i) != "\0" and at(i) in _SPACE:
                i += 1
            if at(i) == ">":
                break
            name_begin = i
            while at(i) not in _SPACE and at(i) not in "=>":
                i += 1
            name = self.text[name_begin:i]
            if not name:
                raise self.fail(
                    f'Empty attribute name in the tag "{tag}" at byte offset {{offset}}', begin
                )
            while at(i) != "\0" and at(i) in _SPACE:
                i += 1
            if at(i) != "=":
                if tag == "blockquote" and name == "expandable":
                    argument = "1"
                    continue
                raise self.fail(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {{offset}}',
                    begin,
                )
            i += 1
            while at(i) != "\0" and at(i) in _SPACE:
                i += 1
            if at(i) == "\0":
                raise self.fail(f'Unclosed start tag "{tag}" at byte offset {{offset}}', begin)
            if at(i) not in "'\"":
                token_begin = i
                while at(i) in _NAME_TOKEN:
                    i += 1
                value = _ascii_lower(self.text[token_begin:i])
                if at(i) not in _SPACE and at(i) != ">":
                    raise self.fail(
                        "Unexpected end of name token at byte offset {offset}", token_begin
                    )
            else:
                quote = at(i)
                i += 1
                chars: list[str] = []
                while at(i) != quote and at(i) != "\0":
                    if at(i) == "&":
                        code, end = decode_reference(self.text, i)
                        if code:
                            chars.append(chr(code))
                            i = end
                            continue
                    chars.append(at(i))
                    i += 1
                if at(i) == quote:
                    i += 1
                value = "".join(chars)
            if at(i) == "\0":
                raise self.fail("Unclosed start tag at byte offset {offset}", begin)
            if tag == "a" and name == "href":
                argument = value
            elif tag == "code" and name == "class" and value.startswith("language-"):
                argument = value[9:]
            elif tag == "span" and name == "class" and value.startswith("tg-"):
                argument = value[3:]
            elif tag == "tg-emoji" and name == "emoji-id":
                argument = value
            elif tag == "blockquote" and name == "expandable":
                argument = "1"
        if tag == "span" and argument != "spoiler":
            raise self.fail(
                'Tag "span" must have class "tg-spoiler" at byte offset {offset}', begin
            )
        return tag, argument, i + 1

    def scan_end_name(self, begin: int) -> int:
        """Index after the end tag at ``begin``; its name is ``text[begin + 2 : name_end]``."""
        at = self.at
        i = begin + 1
        while at(i) not in _SPACE and at(i) != ">":
            i += 1
        self.name_end = i
        while at(i) in _SPACE and at(i) != "\0":
            i += 1
        if at(i) != ">":
            raise self.fail("Unclosed end tag at byte offset {offset}", begin)
        return i + 1

    # ------------------------------------------------------------------ the pass

    def run(self, allow_empty: bool) -> ParsedText:
        text, n = self.text, self.n
        out: list[str] = []
        out_len = 0  # UTF-16 units so far
        loose: list[int] = []
        stack: list[_Open] = []
        raw: list[tuple[int, int, int, Entity]] = []  # (offset, -length, order, entity)
        order = 0
        i = 0
        while i < n:
            match = _SPECIAL.search(text, i)
            stop = match.start() if match else n
            if stop > i:
                run = text[i:stop]
                out.append(run)
                out_len += utf16_length(run)
                i = stop
                if stop == n:
                    break
            c = text[i]
            if c == ">":
                loose.append(i)
                out.append(c)
                out_len += 1
                i += 1
                continue
            if c == "&":
                code, end = decode_reference(text, i)
                if code:
                    if text[end - 1] != ";":
                        loose.append(i)
                    char = chr(code)
                    out.append(char)
                    out_len += 2 if code > 0xFFFF else 1
                    if self.tokens is not None:
                        self.tokens.append(Token(i, end, "ref", char=char))
                    i = end
                else:
                    loose.append(i)
                    out.append(c)
                    out_len += 1
                    i += 1
                continue
            begin = i
            if self.at(i + 1) != "/":
                tag, argument, i = self.scan_start(begin)
                self.check_nesting(stack, tag, out_len, begin)
                if stack:
                    stack[-1].children += 1
                stack.append(_Open(tag, argument, out_len, len(out), begin, order))
                order += 1
                if self.tokens is not None:
                    self.tokens.append(Token(begin, i, "start", tag, argument))
                continue
            if not stack:
                raise self.fail("Unexpected end tag at byte offset {offset}", begin)
            i = self.scan_end_name(begin)
            end_name = text[begin + 2 : self.name_end]
            top = stack[-1]
            if end_name and end_name != top.tag:
                raise self.fail(
                    f'Unmatched end tag at byte offset {{offset}}, expected "</{top.tag}>", '
                    f'found "</{end_name}>"',
                    begin,
                )
            stack.pop()
            if self.tokens is not None:
                self.tokens.append(Token(begin, i, "end", top.tag, top.argument))
            if top.tag == "code" and stack and stack[-1].tag == "pre":
                stack[-1].code_end = out_len
            if top.tag == "pre" and top.code_end is not None and top.code_end != out_len:
                raise self.fail('Tag "pre" may hold one "code" only at byte offset {offset}', begin)
            if out_len > top.offset:
                entity = self.entity(top, out, raw, out_len)
                if entity is not None:
                    raw.append((entity.offset, -entity.length, top.order, entity))
        if stack:
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"'
            )
        result = "".join(out)
        if _SURROGATE.search(result):
            raise HtmlParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        raw.sort(key=lambda item: item[:3])
        return _fix(result, [item[3] for item in raw], tuple(loose), allow_empty)

    def check_nesting(self, stack: list[_Open], tag: str, out_len: int, begin: int) -> None:
        """Our stricter rules: nesting that Telegram would accept but silently undo."""
        for index in range(len(stack) - 1, -1, -1):
            outer = stack[index]
            if outer.tag in ("code", "pre"):
                direct = index == len(stack) - 1
                if (
                    tag == "code"
                    and outer.tag == "pre"
                    and direct
                    and outer.children == 0
                    and outer.offset == out_len
                ):
                    continue
                raise self.fail(
                    f'Tag "{tag}" can\'t be inside "{outer.tag}" at byte offset {{offset}}', begin
                )
            if outer.tag in _CONTINUOUS and (tag in _CONTINUOUS or tag == "blockquote"):
                raise self.fail(
                    f'Tag "{tag}" can\'t be inside "{outer.tag}" at byte offset {{offset}}', begin
                )
            if outer.tag == "blockquote" and tag == "blockquote":
                raise self.fail(
                    'Tag "blockquote" can\'t be inside "blockquote" at byte offset {offset}', begin
                )

    def entity(
        self, top: _Open, out: list[str], raw: list[tuple[int, int, int, Entity]], out_len: int
    ) -> Entity | None:
        offset, length = top.offset, out_len - top.offset
        simple = _SIMPLE_ENTITY.get(top.tag)
        if simple is not None:
            return Entity(simple, offset, length)
        if top.tag == "a":
            url = top.argument or "".join(out[top.out_index :])
            checked = link_url(url)
            if checked is None:
                raise self.fail(
                    f'Unsupported URL "{url}" in tag "a" at byte offset {{offset}}', top.begin
                )
            return Entity("text_link", offset, length, url=checked)
        if top.tag == "tg-emoji":
            if not _valid_emoji_id(top.argument):  # Telegram gives no offset; we keep one
                raise HtmlParseError(
                    "Invalid custom emoji identifier specified", self.byte_offset(top.begin)
                )
            return Entity("custom_emoji", offset, length, custom_emoji_id=top.argument)
        if top.tag == "blockquote":
            kind = "expandable_blockquote" if top.argument == "1" else "blockquote"
            return Entity(kind, offset, length)
        if top.tag == "code":
            return Entity("code", offset, length, language=top.argument or None)
        # pre: an inner code of the same span gives its language, and is folded into it
        language = None
        if raw and raw[-1][3].type == "code":
            inner = raw[-1][3]
            if inner.offset == offset and inner.length == length:
                raw.pop()
                language = inner.language
        return Entity("pre", offset, length, language=language)


def _fix(
    text: str, entities: list[Entity], loose: tuple[int, ...], allow_empty: bool
) -> ParsedText:
    """What Telegram does after parsing: clean characters, check emptiness, trim."""
    entities = [
        Entity(e.type, e.offset, e.length, e.url, None, e.custom_emoji_id)
        if e.type == "code"
        else e
        for e in entities
    ]
    if _CLEANED.search(text):
        text, entities = _clean(text, entities)
    if _is_empty(text):
        if not allow_empty:
            raise EmptyTextError()
        return ParsedText("", (), loose)
    return ParsedText(*_trim(text, entities), loose=loose)


def _clean(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Control characters become spaces; ``\\r``, U+2028–U+202E and three combining marks go."""
    out: list[str] = []
    new_at: list[int] = []  # UTF-16 offset in the new text for each old UTF-16 offset
    position = 0
    for ch in text:
        units = 2 if ord(ch) > 0xFFFF else 1
        new_at.extend([position] * units)
        if ch == "\n":
            out.append(ch)
        elif ch == "\r" or "\u2028" <= ch <= "\u202e" or ch in "\u0333\u033f\u030a":
            continue
        elif ord(ch) < 0x20:
            out.append(" ")
        else:
            out.append(ch)
        position += units
    new_at.append(position)
    moved = []
    for e in entities:
        start, end = new_at[e.offset], new_at[e.offset + e.length]
        if end > start:
            moved.append(Entity(e.type, start, end - start, e.url, e.language, e.custom_emoji_id))
    return "".join(out), moved


def _is_empty(text: str) -> bool:
    """Telegram's ``is_empty_string``: nothing but spaces and invisible characters."""
    stripped = _SPACE_LIKE.sub(" ", text)
    return not _INVISIBLE.sub("", stripped)


def _trim(text: str, entities: list[Entity]) -> tuple[str, tuple[Entity, ...]]:
    """Entities lose leading spaces and whitespace-only ones go; then the text is trimmed."""
    if not entities and text.strip(" \n") == text:
        return text, ()
    units = _units(text)
    kept: list[Entity] = []
    for e in entities:
        offset, end = e.offset, e.offset + e.length
        if e.type not in _HIDDEN_DATA:
            while offset < end and units[offset] in " \n":
                offset += 1
        content = units[offset:end]
        visible = any(u not in " \n" for u in content)
        if not visible and not (e.type in _HIDDEN_DATA and " " in content):
            continue
        kept.append(Entity(e.type, offset, end - offset, e.url, e.language, e.custom_emoji_id))
    last = len(units)
    while last > 0 and units[last - 1] in " \n":
        last -= 1
    first = 0
    limit = min((e.offset for e in kept), default=last)
    while first < limit and units[first] in " \n":
        first += 1
    if first == 0 and last == len(units):
        return text, tuple(kept)
    trimmed: list[Entity] = []
    for e in kept:
        start, end = max(e.offset, first), min(e.offset + e.length, last)
        if end > start:
            trimmed.append(
                Entity(e.type, start - first, end - start, e.url, e.language, e.custom_emoji_id)
            )
    return _from_units(units[first:last]), tuple(trimmed)


def _units(text: str) -> list[str]:
    """The text as UTF-16 code units (each as a one-character string)."""
    if not _ASTRAL.search(text):
        return list(text)
    units: list[str] = []
    for ch in text:
        code = ord(ch)
        if code > 0xFFFF:
            code -= 0x10000
            units.append(chr(0xD800 + (code >> 10)))
            units.append(chr(0xDC00 + (code & 0x3FF)))
        else:
            units.append(ch)
    return units


def _from_units(units: list[str]) -> str:
    return "".join(units).encode("utf-16-le", "surrogatepass").decode("utf-16-le")
