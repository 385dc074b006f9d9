"""Plurals and dates by CLDR, through Babel, in every served language."""

from __future__ import annotations

import datetime as dt

from knowledge import KnowledgeBase
from knowledge.i18n import format_date, format_local_date, number, plural, plural_category


def test_plural_categories_follow_cldr() -> None:
    assert plural_category("en", 1) == "one"
    assert plural_category("en", 0) == "other"
    assert plural_category("fi", 1) == "one"
    assert plural_category("fi", 7) == "other"
    assert plural_category("pl", 3) == "few"


def test_one_week_is_singular(kb: KnowledgeBase) -> None:
    assert plural(kb, "en", "count_weeks", 1) == "1 week"
    assert plural(kb, "en", "count_weeks", 3) == "3 weeks"
    assert plural(kb, "fi", "count_weeks", 1) == "1 viikko"
    assert plural(kb, "fi", "count_weeks", 3) == "3 viikkoa"


def test_numbers_and_dates_are_written_as_each_language_writes_them() -> None:
    assert number(1500, "en") == "1,500"
    assert number(1500, "fi") == "1\xa0500"
    day = dt.date(2026, 3, 8)
    assert format_date(day, "en") == "Mar 8, 2026"
    assert format_date(day, "fi") == "8.3.2026"
    late = dt.datetime(2026, 3, 8, 23, 30, tzinfo=dt.UTC)
    assert format_local_date(late, dt.timezone(dt.timedelta(hours=2)), "fi") == "9.3.2026"
    assert format_date(day, "xx") == "Mar 8, 2026"  # a language Babel lacks reads as English
