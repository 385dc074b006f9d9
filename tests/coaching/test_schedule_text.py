"""Schedule-time refusals read as a coach would say them, in English and Finnish."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.schedule_text import describe
from coaching.when import WhenError, parse_when
from knowledge import KnowledgeBase

NOW = dt.datetime(2026, 11, 30, 9, 19, tzinfo=ZoneInfo("Europe/Helsinki")).astimezone(dt.UTC)


def refusal(kb: KnowledgeBase, lang: str, typed: str) -> str:
    with pytest.raises(WhenError) as raised:
        parse_when(typed, NOW, "Europe/Helsinki")
    return describe(kb, lang, typed, raised.value)


@pytest.mark.parametrize(
    ("typed", "lang", "said"),
    [
        ("31 February 7:00", "en", "31 February doesn't exist."),
        ("31.2. 07:00", "fi", "31. helmikuuta ei ole olemassa."),
        ("30.11. 07:19", "en", "That was 2 hours ago; it is now 09:19 in Europe/Helsinki."),
        ("30.11. 07:19", "fi", "Se oli 2 tuntia sitten; nyt kello on 09:19 (Europe/Helsinki)."),
        ("1.3. 07:00", "en", "That is 91 days ahead; a broadcast can be scheduled at most 60"),
        ("tomorrow", "en", "'tomorrow' has a day but no time of day"),
        ("<b>soon</b>", "en", "I can't read '&lt;b&gt;soon&lt;/b&gt;' as a time."),
    ],
)
def test_each_refusal_says_what_is_wrong(
    kb: KnowledgeBase, typed: str, lang: str, said: str
) -> None:
    assert refusal(kb, lang, typed).startswith(said)
