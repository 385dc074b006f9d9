"""Telegram HTML as Telegram reads it: parsing, content checks, length, splitting, repair."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.telegram_html import (
    EmptyTextError,
    HtmlParseError,
    ParsedText,
    parse_html,
    parse_plain,
)
from knowledge.telegram_text import (
    MESSAGE_LIMIT,
    html_problems,
    placeholders,
    repair_html,
    split_html,
    telegram_error,
    telegram_length,
)
from tests.fakeapi.html_cases import CASES, Expected, html_soup


def outcome(text: str) -> Expected:
    try:
        parsed = parse_html(text)
    except HtmlParseError as exc:
        return exc.description
    return parsed.text, parsed.entity_dicts()


@pytest.mark.parametrize(("html", "expected"), CASES, ids=[repr(c[0])[:40] for c in CASES])
def test_parses_as_telegram_does(html: str, expected: Expected) -> None:
    assert outcome(html) == expected


# ---------------------------------------------------------------------- the parser


def test_errors_carry_telegram_wording_and_byte_offset() -> None:
    with pytest.raises(HtmlParseError) as raised:
        parse_html("Привет <br> мир")
    assert str(raised.value) == (
        'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 13'
    )
    assert raised.value.byte_offset == 13
    assert raised.value.reason == 'Unsupported start tag "br" at byte offset 13'


def test_empty_text_is_its_own_error() -> None:
    for text in ("\u200b", "&#8203;", "<b> </b>", " \n "):
        with pytest.raises(EmptyTextError) as raised:
            parse_html(text)
        assert raised.value.description == "Bad Request: message text is empty"
    assert parse_html("<b> </b>", allow_empty=True) == ParsedText("")  # a caption may be


def test_length_is_utf16_after_parsing() -> None:
    assert parse_html("<b>ab</b>&amp;").length == 3
    assert parse_html("🏃").length == 2
    amps = "&amp;" * MESSAGE_LIMIT  # 20,480 characters typed, 4096 shown
    assert parse_html(amps).length == MESSAGE_LIMIT
    assert telegram_length(amps) == MESSAGE_LIMIT
    assert telegram_length("🏃" * 2048) == MESSAGE_LIMIT


def test_plain_text_is_cleaned_and_trimmed_too() -> None:
    assert parse_plain("  <b>as typed</b>\r\n") == ParsedText("<b>as typed</b>")
    with pytest.raises(EmptyTextError):
        parse_plain("\u200b\u200b")


def test_loose_characters_are_noted_not_refused() -> None:
    parsed = parse_html("Q&A > all")
    assert parsed.text == "Q&A > all"
    assert parsed.loose == (1, 4)


# ---------------------------------------------------------------------- content checks


def test_valid_html_passes() -> None:
    text = '<b>a</b> <i>b</i> <u>c</u> <s>d</s> <code>e</code> <a href="https://x.y">f</a>'
    assert html_problems(text + "\n<blockquote>g</blockquote> &lt;3 &amp; &#8212;") == []


def test_broken_html_is_reported_for_authors() -> None:
    assert html_problems("<b>x") == [
        'unclosed <b> (Can\'t find end tag corresponding to start tag "b")'
    ]
    assert "</b> does not match the open <i>" in html_problems("<b><i>x</b></i>")[0]
    assert "unsupported tag <p>" in html_problems("<p>x</p>")[0]
    assert "self-closing <br/>" in html_problems("a<br/>b")[0]
    assert "bare '<'" in html_problems("1 < 2")[0]
    assert "only http(s)://" in html_problems("<a>x</a>")[0]
    assert "in quotes" in html_problems("<a href=https://x.y>x</a>")[0]
    assert "Telegram would drop it" in html_problems("<code><b>x</b></code>")[0]
    assert "nothing visible" in html_problems("<b>\u200b</b>")[0]
    assert html_problems("   ") == []  # blank is the caller's business


def test_what_telegram_lets_pass_but_documentation_forbids_is_reported() -> None:
    assert "bad entity '& Jerry'" in html_problems("Tom & Jerry")[0]
    assert "bad entity" in html_problems("a&nbsp;b")[0]
    assert "bad entity" in html_problems("&lt without semicolon")[0]
    assert html_problems("a > b") == ["bare '>' in text (write &gt;)"]
    both = html_problems("Sitting<br>folds & you")
    assert "unsupported tag <br>" in both[0] and "bad entity" in both[1]


def test_telegram_error() -> None:
    assert telegram_error("<b>ok</b>") is None
    error = telegram_error("<b>")
    assert error is not None and "start tag" in error.reason
    assert telegram_error("", allow_empty=True) is None


def test_placeholders() -> None:
    assert placeholders("Hi {name}, {count} runs") == {"name", "count"}
    assert placeholders("no fields {{literal}}") == set()


# ---------------------------------------------------------------------- repair


@pytest.mark.parametrize(
    ("typed", "repaired"),
    [
        ("Hills & strides", "Hills &amp; strides"),
        ("Pace <5:00/km", "Pace &lt;5:00/km"),
        ("<b>Hills</b> & strides", "<b>Hills</b> &amp; strides"),
        ("5 > 4 & 3 < 4", "5 &gt; 4 &amp; 3 &lt; 4"),
        ("I <3 hills", "I &lt;3 hills"),
        ("<b>open", "&lt;b&gt;open"),
        ("<script>x</script>", "&lt;script&gt;x&lt;/script&gt;"),
        ("<b><i>x</b></i>", "<b>&lt;i&gt;x</b>&lt;/i&gt;"),
        ("<code><b>x</b></code>", "<code>&lt;b&gt;x&lt;/b&gt;</code>"),
        ('<a href="javascript:x">y</a>', '&lt;a href="javascript:x"&gt;y&lt;/a&gt;'),
        ("<a href=https://x.y>z</a>", "&lt;a href=https://x.y&gt;z&lt;/a&gt;"),
        ('<a href="https://x.y">z</a>', '<a href="https://x.y">z</a>'),
        ("<B>x</B>", "&lt;B&gt;x&lt;/B&gt;"),
        ("&amp; &lt; &#8212; &nbsp; &#55296;", "&amp; &lt; &#8212; &amp;nbsp; &amp;#55296;"),
        ("<b>x</>", "<b>x</>"),
        ("x</>", "x&lt;/&gt;"),
        (
            "<blockquote><blockquote>q</blockquote></blockquote>",
            "<blockquote>&lt;blockquote&gt;q&lt;/blockquote&gt;</blockquote>",
        ),
        ("plain text", "plain text"),
    ],
)
def test_repair_keeps_real_tags_and_escapes_the_rest(typed: str, repaired: str) -> None:
    assert repair_html(typed) == repaired
    assert telegram_error(repaired) is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html_soup())
def test_repair_always_gives_html_telegram_accepts(typed: str) -> None:
    repaired = repair_html(typed)
    error = telegram_error(repaired, allow_empty=True)
    assert error is None, (typed, repaired, error)
    if (
        telegram_error(typed, allow_empty=True) is None
        and not parse_html(typed, allow_empty=True).loose
    ):
        assert repaired == typed  # valid, well-escaped text is left alone


# ---------------------------------------------------------------------- splitting


def visible(parts: list[str]) -> str:
    return "".join(parse_html(p).text for p in parts)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_short_text_is_one_part() -> None:
    assert split_html("<b>hi</b>") == ["<b>hi</b>"]
    assert split_html("") == []


def test_split_prefers_paragraphs_then_lines() -> None:
    paragraphs = [f"<b>Week {n}</b>\n" + "\n".join(["easy 5 km"] * 8) for n in range(30)]
    text = "\n\n".join(paragraphs)
    parts = split_html(text, 400)
    assert len(parts) > 1
    for part in parts:
        assert parse_html(part).length <= 400
        assert part.startswith("<b>Week ")  # cut between paragraphs, not inside one
    assert squeeze(visible(parts)) == squeeze(parse_html(text).text)


def test_split_closes_and_reopens_formatting() -> None:
    text = '<b>bold <a href="https://x.y/a">' + "word " * 100 + "</a></b> after"
    parts = split_html(text, 120)
    for part in parts:
        parsed = parse_html(part)
        assert parsed.length <= 120
    assert parts[0].startswith('<b>bold <a href="https://x.y/a">')
    assert parts[0].endswith("</a></b>")
    assert parts[1].startswith('<b><a href="https://x.y/a">')
    assert parts[-1].endswith("</a></b> after")
    assert squeeze(visible(parts)) == squeeze(parse_html(text).text)


def test_split_never_cuts_a_reference_a_pair_or_an_emoji() -> None:
    text = "&amp;" * 50 + "🏃" * 50 + '<tg-emoji emoji-id="5">👍👍</tg-emoji>' * 5
    parts = split_html(text, 7)
    assert all(parse_html(p).length <= 7 for p in parts)
    assert "".join(parts).count("&amp;") == 50
    assert visible(parts) == parse_html(text).text
    assert all(p.count("<tg-emoji") == p.count("</tg-emoji>") for p in parts)


def test_split_link_that_is_its_own_url() -> None:
    assert split_html("<a>t.me/hipcoach</a> " + "x" * 10, 16) == [
        "<a>t.me/hipcoach</a> ",
        "x" * 10,
    ]
    assert split_html("<b>x <a>t.me/hipcoach</a> y</b>", 5) == [
        "<b>x </b>",
        '<b><a href="t.me/hipcoach">t.me/</a></b>',
        '<b><a href="t.me/hipcoach">hipco</a></b>',
        '<b><a href="t.me/hipcoach">ach</a> y</b>',
    ]


def test_split_pre_keeps_its_language() -> None:
    text = '<pre><code class="language-python">' + "x = 1\n" * 100 + "</code></pre>"
    parts = split_html(text, 100)
    assert len(parts) > 1
    for part in parts:
        (entity,) = parse_html(part).entities
        assert (entity.type, entity.language) == ("pre", "python")


def test_split_refuses_html_telegram_would_refuse() -> None:
    with pytest.raises(HtmlParseError):
        split_html("<b>" + "x" * 5000)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            ["word ", "\n", "\n\n", "&amp;", "🏃", "<b>", "</b>", "<i>", "</i>", "é", "  "]
        ),
        max_size=300,
    ),
    st.integers(min_value=2, max_value=60),
)
def test_split_keeps_everything_within_the_limit(pieces: list[str], limit: int) -> None:
    text, depth = "", []
    for piece in pieces:  # keep tags balanced so the input is valid
        if piece in ("<b>", "<i>"):
            if piece[1] not in depth:
                depth.append(piece[1])
                text += piece
        elif piece in ("</b>", "</i>"):
            if depth and depth[-1] == piece[2]:
                text += f"</{depth.pop()}>"
        else:
            text += piece
    text += "".join(f"</{tag}>" for tag in reversed(depth))
    parts = split_html(text, limit)
    for part in parts:
        assert parse_html(part).length <= limit
    assert squeeze(visible(parts)) == squeeze(parse_html(text, allow_empty=True).text)
    bold = "".join(bold_text(parse_html(p)) for p in parts)
    assert squeeze(bold) == squeeze(bold_text(parse_html(text, allow_empty=True)))


def bold_text(parsed: ParsedText) -> str:
    """The characters under bold entities (offsets are UTF-16 code units)."""
    units = parsed.text.encode("utf-16-le")
    return "".join(
        units[2 * e.offset : 2 * (e.offset + e.length)].decode("utf-16-le")
        for e in parsed.entities
        if e.type == "bold"
    )
