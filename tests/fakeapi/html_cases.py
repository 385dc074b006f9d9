"""Telegram HTML cases with what Telegram makes of them, shared by the parser's tests
(`tests/knowledge/test_telegram_text.py`) and the test that keeps the fake's copy of
the parser in step (`tests/fakeapi/test_html_parity.py`).

Each case is ``(html, expected)``: the visible text and entities as Bot API dicts, or
the error description Telegram answers with (a ``Bad Request: …`` string).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

Expected = tuple[str, list[dict[str, Any]]] | str

P = "Bad Request: can't parse entities: "
EMPTY = "Bad Request: message text is empty"
SURROGATE = (
    P + "Text contains invalid Unicode characters after decoding HTML entities, "
    "check for unmatched surrogate code units"
)


def e(kind: str, offset: int, length: int, **extra: str) -> dict[str, Any]:
    return {"type": kind, "offset": offset, "length": length, **extra}


CASES: list[tuple[str, Expected]] = [
    # every supported tag, and its entity
    ("<b>a</b><strong>b</strong>", ("ab", [e("bold", 0, 1), e("bold", 1, 1)])),
    ("<i>a</i><em>b</em>", ("ab", [e("italic", 0, 1), e("italic", 1, 1)])),
    ("<u>a</u><ins>b</ins>", ("ab", [e("underline", 0, 1), e("underline", 1, 1)])),
    (
        "<s>a</s><strike>b</strike><del>c</del>",
        ("abc", [e("strikethrough", 0, 1), e("strikethrough", 1, 1), e("strikethrough", 2, 1)]),
    ),
    (
        '<span class="tg-spoiler">a</span><tg-spoiler>b</tg-spoiler>',
        ("ab", [e("spoiler", 0, 1), e("spoiler", 1, 1)]),
    ),
    ("<span class=tg-spoiler>a</span>", ("a", [e("spoiler", 0, 1)])),
    (
        '<a href="https://example.com/x?a=1&amp;b=2">x</a>',
        ("x", [e("text_link", 0, 1, url="https://example.com/x?a=1&b=2")]),
    ),
    ("<a href='http://x.y'>x</a>", ("x", [e("text_link", 0, 1, url="http://x.y")])),
    ('<a href="tg://user?id=123">Ann</a>', ("Ann", [e("text_link", 0, 3, url="tg://user?id=123")])),
    (
        "<a>t.me/hipcoach</a>",
        ("t.me/hipcoach", [e("text_link", 0, 13, url="http://t.me/hipcoach")]),
    ),
    (
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
        ("👍", [e("custom_emoji", 0, 2, custom_emoji_id="5368324170671202286")]),
    ),
    ("<code>x = 1</code>", ("x = 1", [e("code", 0, 5)])),
    ('<code class="language-python">x</code>', ("x", [e("code", 0, 1)])),
    ("<pre>x\ny</pre>", ("x\ny", [e("pre", 0, 3)])),
    (
        '<pre><code class="language-python">x</code></pre>',
        ("x", [e("pre", 0, 1, language="python")]),
    ),
    ("<pre><code>x</code></pre>", ("x", [e("pre", 0, 1)])),
    ("<blockquote>q</blockquote>", ("q", [e("blockquote", 0, 1)])),
    ("<blockquote expandable>q</blockquote>", ("q", [e("expandable_blockquote", 0, 1)])),
    ("<BLOCKQUOTE>q</blockquote>", ("q", [e("blockquote", 0, 1)])),
    ("<b>x</>", ("x", [e("bold", 0, 1)])),
    ("<b><i>x</i>y</b>", ("xy", [e("bold", 0, 2), e("italic", 0, 1)])),
    (
        "<b>bold <a href='https://x.y'>link</a></b>",
        ("bold link", [e("bold", 0, 9), e("text_link", 5, 4, url="https://x.y")]),
    ),
    ("<blockquote><b>q</b></blockquote>", ("q", [e("blockquote", 0, 1), e("bold", 0, 1)])),
    ("<b></b>x", ("x", [])),
    # entities: the four named ones and numeric ones; others stay as written
    ("&lt;&gt;&amp;&quot;", ('<>&"', [])),
    ("&#65;&#x42;&#x1F3C3;", ("AB🏃", [])),
    ("&lt &amp", ("< &", [])),
    ("&nbsp; &copy; &apos;", ("&nbsp; &copy; &apos;", [])),
    ("Tom & Jerry", ("Tom & Jerry", [])),
    ("a > b", ("a > b", [])),
    ("&#X41; &#0; &#1114111; &#99999999999;", ("&#X41; &#0; &#1114111; &#99999999999;", [])),
    (
        "&#55296;",
        SURROGATE,
    ),
    (
        "&#xDFFF;x",
        SURROGATE,
    ),
    # lengths in UTF-16 code units
    ("🏃 <b>run</b>", ("🏃 run", [e("bold", 3, 3)])),
    ("<b>🏃</b>é", ("🏃é", [e("bold", 0, 2)])),
    # what Telegram does after parsing
    ("  \n<b>  hi</b> there \n\n", ("hi there", [e("bold", 0, 2)])),
    ("a\tb\r\nc", ("a b\nc", [])),
    ("<b> </b>x", ("x", [])),
    ("<code> </code>x", (" x", [e("code", 0, 1)])),
    # empty after parsing
    ("", EMPTY),
    ("   \n ", EMPTY),
    ("\u200b", EMPTY),
    ("&#8203;", EMPTY),
    ("\ufeff\u200c\u200d\u2060", EMPTY),
    ("\u00a0\u3000\u2800", EMPTY),
    ("<b> </b>", EMPTY),
    ("<b></b><i></i>", EMPTY),
    # Telegram's refusals, at their UTF-8 byte offsets
    ("1 < 2", P + 'Unsupported start tag "" at byte offset 2'),
    ("é<br>", P + 'Unsupported start tag "br" at byte offset 2'),
    ("a<br/>b", P + 'Unsupported start tag "br/" at byte offset 1'),
    ("<p>x</p>", P + 'Unsupported start tag "p" at byte offset 0'),
    ("<?php echo 1; ?>", P + 'Unsupported start tag "?php" at byte offset 0'),
    ("<![CDATA[x]]>", P + 'Unsupported start tag "![cdata[x]]" at byte offset 0'),
    ("<!-- note -->x", P + 'Unsupported start tag "!--" at byte offset 0'),
    ("</>", P + "Unexpected end tag at byte offset 0"),
    ("x</b>", P + "Unexpected end tag at byte offset 1"),
    ("<b>x", P + 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b>x</b", P + "Unclosed end tag at byte offset 4"),
    ("a <", P + "Unclosed start tag at byte offset 2"),
    ("<b", P + "Unclosed start tag at byte offset 0"),
    ("<a href='x.y'", P + "Unclosed start tag at byte offset 0"),
    ("<b><i>x</b></i>", P + 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ("<B>x</B>", P + 'Unmatched end tag at byte offset 4, expected "</b>", found "</B>"'),
    ("<a href=https://example.com>x</a>", P + "Unexpected end of name token at byte offset 8"),
    ("<a href=example.com>x</a>", ("x", [e("text_link", 0, 1, url="http://example.com")])),
    (
        "<b x>y</b>",
        P + 'Expected equal sign in declaration of an attribute of the tag "b" at byte offset 0',
    ),
    ("<b =y>z</b>", P + 'Empty attribute name in the tag "b" at byte offset 0'),
    ("<span>x</span>", P + 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    (
        '<span class="spoiler">x</span>',
        P + 'Tag "span" must have class "tg-spoiler" at byte offset 0',
    ),
    ('<tg-emoji emoji-id="x">👍</tg-emoji>', P + "Invalid custom emoji identifier specified"),
    ("<tg-emoji>👍</tg-emoji>", P + "Invalid custom emoji identifier specified"),
    # refused by us where Telegram would silently drop formatting
    ("<code><b>x</b></code>", P + 'Tag "b" can\'t be inside "code" at byte offset 6'),
    ("<pre>x<i>y</i></pre>", P + 'Tag "i" can\'t be inside "pre" at byte offset 6'),
    ("<pre>\n<code>x</code></pre>", P + 'Tag "code" can\'t be inside "pre" at byte offset 6'),
    ("<pre><code>x</code>y</pre>", P + 'Tag "pre" may hold one "code" only at byte offset 20'),
    ("<code><pre>x</pre></code>", P + 'Tag "pre" can\'t be inside "code" at byte offset 6'),
    (
        "<a href='https://a.b'><a href='https://c.d'>x</a></a>",
        P + 'Tag "a" can\'t be inside "a" at byte offset 22',
    ),
    (
        "<a href='https://a.b'><code>x</code></a>",
        P + 'Tag "code" can\'t be inside "a" at byte offset 22',
    ),
    (
        "<blockquote><blockquote>x</blockquote></blockquote>",
        P + 'Tag "blockquote" can\'t be inside "blockquote" at byte offset 12',
    ),
    (
        "<blockquote>a<b><blockquote expandable>x</blockquote></b></blockquote>",
        P + 'Tag "blockquote" can\'t be inside "blockquote" at byte offset 16',
    ),
    (
        '<a href="javascript:alert(1)">x</a>',
        P + 'Unsupported URL "javascript:alert(1)" in tag "a" at byte offset 0',
    ),
    (
        'x <a href="mailto:a@b.c">mail</a>',
        P + 'Unsupported URL "mailto:a@b.c" in tag "a" at byte offset 2',
    ),
    ("<a>plain words</a>", P + 'Unsupported URL "plain words" in tag "a" at byte offset 0'),
    ('<a href="https://">x</a>', P + 'Unsupported URL "https://" in tag "a" at byte offset 0'),
]
"""Tests' own rule: one case per line of thought; each rule the parser's docstring names."""

SOUP_PIECES = [
    *"<>&/;#=\"' \nx1a",
    "<b>",
    "</b>",
    "<i>",
    "</i>",
    "</>",
    "<B>",
    "</B>",
    "&amp;",
    "&lt",
    "&#",
    "&#x",
    "&#55296;",
    "&nbsp;",
    "<a href=",
    '<a href="https://x.y">',
    "<a href='javascript:x'>",
    "https://x.y",
    "</a>",
    "<code>",
    "</code>",
    "<pre>",
    "</pre>",
    '<code class="language-py">',
    "<blockquote>",
    "<blockquote expandable>",
    "</blockquote>",
    "<span class=tg-spoiler>",
    "<span>",
    "</span>",
    "<tg-emoji emoji-id=5>",
    "<tg-emoji emoji-id=x>",
    "</tg-emoji>",
    "<?php",
    "<!--",
    "<![CDATA[",
    "🏃",
    "é",
    "\u200b",
    "\t",
    "\r",
]
"""Fragments that make HTML soup for fuzzing: tags, references and their broken halves."""


def html_soup() -> st.SearchStrategy[str]:
    """Strings of fragments, mostly nonsense, now and then valid HTML."""
    return st.lists(st.sampled_from(SOUP_PIECES), max_size=40).map("".join)
