"""Telegram HTML for content and the bot: checks, length, splitting and repair.

Telegram rejects a whole message when its HTML is wrong (an unclosed tag, an
unsupported tag, a bare ``<``), so a broken tip would fail at 6 a.m. on a
Monday for every athlete at once. Everything here stands on one parser,
``knowledge.telegram_html``, which reads HTML as Telegram's server does (the
fake Bot API runs a copy of it):

- ``html_problems`` says why a text would be refused, in words for a content
  author, plus what the documentation asks and Telegram lets pass (a bare
  ``&`` or ``>``): ``hipcoach kb check`` reports both;
- ``telegram_length`` counts as Telegram counts (UTF-16 code units after parsing);
- ``split_html`` cuts a long text into messages that each fit;
- ``repair_html`` turns a coach's typed text into HTML that Telegram accepts,
  keeping the tags they meant and escaping the rest.
"""

from __future__ import annotations

import html
import re
import string
from dataclasses import dataclass

from knowledge.telegram_html import (
    CAPTION_LIMIT,
    MESSAGE_LIMIT,
    EmptyTextError,
    HtmlParseError,
    ParsedText,
    Token,
    decode_reference,
    html_tokens,
    parse_html,
    read_tag,
    utf16_length,
)

__all__ = [
    "BUTTON_LIMIT",
    "CAPTION_LIMIT",
    "MESSAGE_LIMIT",
    "EmptyTextError",
    "HtmlParseError",
    "ParsedText",
    "html_problems",
    "parse_html",
    "placeholders",
    "repair_html",
    "split_html",
    "telegram_error",
    "telegram_length",
    "visible_text",
]

BUTTON_LIMIT = 64

_ALLOWED = "<b>, <i>, <u>, <s>, <tg-spoiler>, <a href>, <code>, <pre>, <blockquote>"
_HINTS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r'Unsupported start tag "" '),
        "bare '<' in text (write &lt;)",
    ),
    (
        re.compile(r'Unsupported start tag "(?P<tag>[^"]*)/" '),
        "self-closing <{tag}/> is not supported (use a plain newline)",
    ),
    (
        re.compile(r'Unsupported start tag "(?P<tag>[^"]*)" '),
        "unsupported tag <{tag}> (allowed: " + _ALLOWED + "; write &lt; for a plain '<')",
    ),
    (
        re.compile(r"Unclosed start tag"),
        "unfinished tag (a '<' without its '>'; write &lt; for a plain '<')",
    ),
    (
        re.compile(r"Unexpected end of name token"),
        'attribute value must be in quotes (href="…")',
    ),
    (
        re.compile(r'(Empty attribute name|Expected equal sign).*tag "(?P<tag>[^"]*)"'),
        'bad attribute in <{tag}> (write name="value")',
    ),
    (re.compile(r"Unexpected end tag"), "an end tag closes nothing"),
    (re.compile(r"Unclosed end tag"), "unfinished end tag (a '</' without its '>')"),
    (
        re.compile(r'expected "</(?P<open>[^>]*)>", found "</(?P<found>[^>]*)>"'),
        "</{found}> does not match the open <{open}>",
    ),
    (re.compile(r'start tag "(?P<tag>[^"]*)"'), "unclosed <{tag}>"),
    (re.compile(r'Tag "span"'), '<span> needs class="tg-spoiler"'),
    (
        re.compile(r'Tag "(?P<tag>[^"]*)" can\'t be inside "(?P<outer>[^"]*)"'),
        "<{tag}> inside <{outer}>: Telegram would drop it",
    ),
    (
        re.compile(r'Tag "pre" may hold'),
        "<pre> may hold one <code> around all of its text, nothing else",
    ),
    (
        re.compile(r'Unsupported URL "(?P<url>.*)" in tag'),
        "link to '{url}': only http(s)://, tg:// and ton:// links work",
    ),
    (re.compile(r"custom emoji"), "<tg-emoji> needs a numeric emoji-id"),
    (re.compile(r"surrogate"), "a character reference to half a surrogate pair (&#55296;)"),
]


def telegram_error(text: str, *, allow_empty: bool = False) -> HtmlParseError | None:
    """Telegram's reason to refuse ``text`` in HTML parse mode, or None if it would go."""
    try:
        parse_html(text, allow_empty=allow_empty)
    except HtmlParseError as exc:
        return exc
    return None


def html_problems(text: str) -> list[str]:
    """Every reason to fix ``text`` before it goes out as HTML (empty if fine).

    First Telegram's own refusal, if any (one: it stops at the first error),
    explained for a content author; then each ``&`` or ``>`` that Telegram shows
    as written but its documentation asks to escape. Emptiness is the caller's
    business (a template may be blank on purpose).
    """
    problems: list[str] = []
    try:
        parsed = parse_html(text, allow_empty=True)
    except HtmlParseError as exc:
        problems.append(f"{_hint(exc)} ({exc.reason})")
        parsed = None
    if parsed is not None and not parsed.text and text.strip():
        problems.append("nothing visible is left after parsing (message text is empty)")
    loose = parsed.loose if parsed is not None else _loose(text)
    for index in loose:
        if text[index] == ">":
            problems.append("bare '>' in text (write &gt;)")
        else:
            snippet = text[index : index + 8]
            problems.append(f"bad entity {snippet!r} (write &amp; for a plain '&')")
    return problems


def _hint(exc: HtmlParseError) -> str:
    for pattern, hint in _HINTS:
        match = pattern.search(exc.reason)
        if match:
            return hint.format(**match.groupdict())
    return exc.reason


def _loose(text: str) -> tuple[int, ...]:
    """The ``&`` that are not references, in a text the parser refused (for a full report)."""
    found = []
    for match in re.finditer("&", text):
        code, end = decode_reference(text, match.start())
        if not code or text[end - 1] != ";":
            found.append(match.start())
    return tuple(found)


def visible_text(text: str) -> str:
    """The text a user sees; for HTML Telegram would refuse, a best effort."""
    try:
        return parse_html(text, allow_empty=True).text
    except HtmlParseError:
        return html.unescape(re.sub(r"<[^>]*>", "", text))


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units of the visible text)."""
    return utf16_length(visible_text(text))


def placeholders(text: str) -> set[str]:
    """The str.format field names in `text`; ValueError if braces are unbalanced."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


# ---------------------------------------------------------------------- splitting


@dataclass(slots=True)
class _Atom:
    """An uncuttable piece of source: one character, a reference, a tag or a whole element."""

    source: str
    units: int
    kind: str  # "char", "start" or "end"
    char: str = ""
    name: str = ""


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Cut valid Telegram HTML into parts that each fit in one message (``limit`` UTF-16
    code units after parsing), dropping nothing.

    Cuts fall between paragraphs, else lines, else words, else characters; never
    inside a tag, a character reference (``&amp;``) or a custom emoji, nor inside a
    link that is its own URL (``<a>t.me/x</a>``) unless it alone is over the limit,
    when it gets an ``href`` so both halves still lead there. Formatting open at a
    cut is closed at the end of the part and opened again (same attributes) at the
    start of the next. Only a stretch of whitespace and invisible characters that
    would be a part of its own is left out (Telegram would refuse it as empty).
    Raises ``HtmlParseError`` for HTML Telegram would refuse anyway.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    parsed = parse_html(text, allow_empty=True)
    if parsed.length <= limit:
        return [text] if parsed.text else []
    atoms = _atoms(text, html_tokens(text), limit)
    parts: list[str] = []
    stack: list[_Atom] = []
    i = 0
    while i < len(atoms):
        opened = list(stack)
        cut = _cut(atoms, i, limit)
        for atom in atoms[i:cut]:
            if atom.kind == "start":
                stack.append(atom)
            elif atom.kind == "end":
                stack.pop()
        body = "".join(a.source for a in opened)
        body += "".join(a.source for a in atoms[i:cut])
        body += "".join(f"</{a.name}>" for a in reversed(stack))
        i = cut
        if not _blank(body):
            parts.append(body)
    return parts


def _blank(part: str) -> bool:
    try:
        parse_html(part)
    except EmptyTextError:
        return True
    return False


def _atoms(text: str, tokens: list[Token], limit: int) -> list[_Atom]:
    atoms: list[_Atom] = []
    position = 0
    for token in tokens:
        for ch in text[position : token.start]:
            atoms.append(_Atom(ch, utf16_length(ch), "char", ch))
        source = text[token.start : token.end]
        if token.kind == "ref":
            atoms.append(_Atom(source, utf16_length(token.char), "char", token.char))
        else:
            atoms.append(_Atom(source, 0, token.kind, name=token.name))
            if token.kind == "start" and (
                token.name == "tg-emoji" or (token.name == "a" and not token.argument)
            ):
                atoms.append(_Atom("", 0, "keep"))  # marks an element to keep whole
        position = token.end
    for ch in text[position:]:
        atoms.append(_Atom(ch, utf16_length(ch), "char", ch))
    return _glue(atoms, limit)


def _glue(atoms: list[_Atom], limit: int) -> list[_Atom]:
    """Fold each element to keep whole into one atom (unless it alone is over the limit)."""
    out: list[_Atom] = []
    i = 0
    while i < len(atoms):
        atom = atoms[i]
        if atom.kind == "keep":
            out_start = out.pop()
            depth, j, units = 1, i + 1, 0
            while depth:
                depth += {"start": 1, "end": -1}.get(atoms[j].kind, 0)
                units += atoms[j].units
                j += 1
            inner = [a for a in atoms[i + 1 : j] if a.kind != "keep"]
            if units <= limit:
                source = out_start.source + "".join(a.source for a in inner)
                out.append(_Atom(source, units, "char", "x"))
            else:
                if out_start.name == "a":  # a link that is its own URL, cut: name the URL
                    url = "".join(a.char for a in inner if a.kind == "char")
                    href = html.escape(url, quote=True)
                    out_start = _Atom(f'<a href="{href}">', 0, "start", name="a")
                out.append(out_start)
                out.extend(inner)
            i = j
            continue
        out.append(atom)
        i += 1
    return out


def _cut(atoms: list[_Atom], start: int, limit: int) -> int:
    """Where the part beginning at ``atoms[start]`` should end (exclusive)."""
    units = 0
    j = start
    best: tuple[int, int] | None = None  # (preference, index)
    while j < len(atoms):
        atom = atoms[j]
        if units + atom.units > limit:
            break
        units += atom.units
        j += 1
        if atom.kind != "char":
            continue
        if atom.char == "\n":
            previous = _previous_char(atoms, start, j - 1)
            preference = 3 if previous == "\n" else 2
        elif atom.char.isspace():
            preference = 1
        else:
            continue
        if units * 2 < limit:
            preference -= 3  # a cut in the first half only beats cutting a word
        if best is None or preference >= best[0]:
            best = (preference, j)
    if j == len(atoms):
        return j
    cut = best[1] if best is not None else j
    if cut == start:
        cut = start + 1
    while cut > start + 1 and atoms[cut - 1].kind == "start":
        cut -= 1
    while cut < len(atoms) and atoms[cut].kind == "end":
        cut += 1
    return cut


def _previous_char(atoms: list[_Atom], start: int, index: int) -> str:
    for k in range(index - 1, start - 1, -1):
        if atoms[k].kind == "char":
            return atoms[k].char
    return ""


# ---------------------------------------------------------------------- repair


def repair_html(text: str) -> str:
    """A coach's typed text as HTML Telegram accepts, keeping the formatting they meant.

    Real tags that open and close in order stay (``<b>Hills</b> & strides`` keeps
    its bold); every ``<``, ``>`` and ``&`` that is not part of one, or of a
    character reference, is escaped (``Pace <5:00/km`` → ``Pace &lt;5:00/km``). A tag
    left open, closed out of order, or nested where Telegram would drop it is shown
    as typed. Only a text with nothing visible still fails (``EmptyTextError``
    from ``parse_html``): there is nothing to send.
    """
    tags = _candidate_tags(text)
    pairs = _pair(tags)
    kept = set(range(len(pairs)))
    for _ in range(min(len(pairs), _MAX_REPAIRS) + 1):
        candidate, origin = _render(text, tags, pairs, kept)
        error = telegram_error(candidate, allow_empty=True)
        if error is None:
            return candidate
        culprit = _culprit(candidate, origin, error)
        if culprit is None:
            break
        kept.discard(culprit)
    return _escape_text(text)


_MAX_REPAIRS = 32
"""Tags given up one by one at most; past that everything is escaped (still valid)."""


def _candidate_tags(text: str) -> list[Token]:
    tags: list[Token] = []
    i = text.find("<")
    while i >= 0:
        tag = read_tag(text, i)
        if tag is not None:
            tags.append(tag)
            i = text.find("<", tag.end)
        else:
            i = text.find("<", i + 1)
    return tags


def _pair(tags: list[Token]) -> list[tuple[int, int]]:
    """``(start tag, end tag)`` indices of the tags that open and close each other in order;
    a start tag left open inside a pair, and an end tag matching nothing, are left out."""
    pairs: list[tuple[int, int]] = []
    stack: list[int] = []
    for index, tag in enumerate(tags):
        if tag.kind == "start":
            stack.append(index)
            continue
        for depth in range(len(stack) - 1, -1, -1):
            if not tag.name or tags[stack[depth]].name == tag.name:
                pairs.append((stack[depth], index))
                del stack[depth:]
                break
    return pairs


def _render(
    text: str, tags: list[Token], pairs: list[tuple[int, int]], kept: set[int]
) -> tuple[str, dict[int, int]]:
    """The text with kept tags as they are and everything else escaped, and the pair
    each kept tag belongs to by where it landed (output index → pair)."""
    owner = {tag: number for number in kept for tag in pairs[number]}
    out: list[str] = []
    origin: dict[int, int] = {}
    length = 0
    position = 0
    for index in sorted(owner):
        tag = tags[index]
        piece = _escape_text(text[position : tag.start])
        out.append(piece)
        length += len(piece)
        origin[length] = owner[index]
        out.append(text[tag.start : tag.end])
        length += tag.end - tag.start
        position = tag.end
    out.append(_escape_text(text[position:]))
    return "".join(out), origin


def _escape_text(chunk: str) -> str:
    """Escape ``<``, ``>`` and every ``&`` that does not start a valid reference."""
    out: list[str] = []
    i = 0
    while i < len(chunk):
        ch = chunk[i]
        if ch == "&":
            code, end = decode_reference(chunk, i)
            if code and not 0xD800 <= code <= 0xDFFF:
                out.append(chunk[i:end])
                i = end
                continue
            out.append("&amp;")
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _culprit(candidate: str, origin: dict[int, int], error: HtmlParseError) -> int | None:
    """The pair of tags to give up because of ``error`` (None if it is not about a tag)."""
    if error.byte_offset is None:
        return None
    prefix = candidate.encode("utf-8", "surrogatepass")[: error.byte_offset]
    return origin.get(len(prefix.decode("utf-8", "surrogatepass")))
