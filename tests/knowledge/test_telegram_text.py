"""Telegram HTML checks and length counting."""

from __future__ import annotations

from knowledge.telegram_text import html_problems, placeholders, telegram_length


def test_valid_html_passes() -> None:
    text = '<b>a</b> <i>b</i> <u>c</u> <s>d</s> <code>e</code> <a href="https://x.y">f</a>'
    assert html_problems(text + "\n<blockquote>g</blockquote> &lt;3 &amp; &#8212;") == []


def test_broken_html_is_reported() -> None:
    assert html_problems("<b>x") == ["unclosed <b>"]
    assert "does not match" in html_problems("<b><i>x</b></i>")[0]
    assert "unsupported tag <p>" in html_problems("<p>x</p>")[0]
    assert "self-closing" in html_problems("a<br/>b")[0]
    assert "bad entity" in html_problems("Tom & Jerry")[0]
    assert "bad entity" in html_problems("a&nbsp;b")[0]
    assert "bare '<'" in html_problems("1 < 2")[0]
    assert "needs an href" in html_problems("<a>x</a>")[0]


def test_length_counts_visible_utf16() -> None:
    assert telegram_length("<b>ab</b>&amp;") == 3
    assert telegram_length("🏃") == 2  # outside the BMP: two UTF-16 code units


def test_placeholders() -> None:
    assert placeholders("Hi {name}, {count} runs") == {"name", "count"}
    assert placeholders("no fields {{literal}}") == set()
