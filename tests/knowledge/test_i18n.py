"""Plurals and dates by CLDR, through Babel, in every served language."""

from __future__ import annotations

import datetime as dt

from knowledge import KnowledgeBase
from knowledge.i18n import (
    format_date,
    format_local_date,
    format_local_datetime,
    number,
    plural,
    plural_category,
)


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


def test_a_moment_is_written_in_the_language_and_the_zone() -> None:
    """Weekday, day and time as each language writes them, in the athlete's zone."""
    helsinki = dt.timezone(dt.timedelta(hours=2))
    run = dt.datetime(2026, 3, 20, 5, 30, tzinfo=dt.UTC)  # Friday, 07:30 in Helsinki
    assert format_local_datetime(run, helsinki, "en", weekday=True) == "Fri, Mar 20, 07:30"
    assert format_local_datetime(run, helsinki, "fi", weekday=True) == "pe 20.3. 7.30"
    assert format_local_datetime(run, helsinki, "en") == "Mar 20, 2026, 07:30"
    assert format_local_datetime(run, helsinki, "fi") == "20.3.2026 7.30"
    late = dt.datetime(2026, 3, 8, 23, 30, tzinfo=dt.UTC)
    assert format_local_datetime(late, helsinki, "en") == "Mar 9, 2026, 01:30"
    assert format_local_datetime(late, None, "en") == "Mar 8, 2026, 23:30"  # UTC when unknown


ATHLETE_COUNTS: dict[tuple[str, str, int], str] = {
    # (plural base, language, count): what the text must say
    ("warmup_reminder", "en", 1): "in about 1 minute. Time",
    ("warmup_reminder", "en", 30): "in about 30 minutes. Time",
    ("warmup_reminder", "fi", 1): "noin 1 minuutin päästä",
    ("warmup_reminder", "fi", 30): "noin 30 minuutin päästä",
    ("cadence_walking_left_out", "en", 1): "1 minute of walking is left out",
    ("cadence_walking_left_out", "en", 12): "12 minutes of walking are left out",
    ("cadence_walking_left_out", "fi", 1): "1 minuutti kävelyä on jätetty pois",
    ("cadence_walking_left_out", "fi", 12): "12 minuuttia kävelyä on jätetty pois",
    ("cadence_trend_overall", "en", 1): "Across this 1 run: 165 → 172 steps/min.",
    ("cadence_trend_overall", "en", 5): "Across these 5 runs: 165 → 172 steps/min.",
    ("cadence_trend_overall", "fi", 1): "Tällä 1 juoksulla: 165 → 172 askelta/min.",
    ("cadence_trend_overall", "fi", 5): "Näillä 5 juoksulla: 165 → 172 askelta/min.",
    ("cadence_trend_up", "en", 1): "Since your previous run: <b>+1</b> step/min.",
    ("cadence_trend_up", "en", 4): "Since your previous run: <b>+4</b> steps/min.",
    ("cadence_trend_up", "fi", 1): "Edellisestä juoksusta: <b>+1</b> askel/min.",
    ("cadence_trend_up", "fi", 4): "Edellisestä juoksusta: <b>+4</b> askelta/min.",
    ("cadence_trend_down", "en", 1): "Since your previous run: <b>−1</b> step/min.",
    ("cadence_trend_down", "en", 4): "Since your previous run: <b>−4</b> steps/min.",
    ("cadence_trend_down", "fi", 1): "Edellisestä juoksusta: <b>−1</b> askel/min.",
    ("cadence_trend_down", "fi", 4): "Edellisestä juoksusta: <b>−4</b> askelta/min.",
    ("cadence_pace_up", "en", 1): "Your cadence rises by 1 step/min from",
    ("cadence_pace_up", "en", 6): "Your cadence rises by 6 steps/min from",
    ("cadence_pace_up", "fi", 1): "Askeltiheytesi nousee 1 askel/min hitaimmasta",
    ("cadence_pace_up", "fi", 6): "Askeltiheytesi nousee 6 askelta/min hitaimmasta",
    ("cadence_pace_down", "en", 1): "Your cadence drops by 1 step/min when",
    ("cadence_pace_down", "en", 6): "Your cadence drops by 6 steps/min when",
    ("cadence_pace_down", "fi", 1): "Askeltiheytesi laskee 1 askel/min, kun",
    ("cadence_pace_down", "fi", 6): "Askeltiheytesi laskee 6 askelta/min, kun",
    ("privacy_how_long", "en", 1): "for 1 month, your health data",
    ("privacy_how_long", "en", 24): "for 24 months, your health data",
    ("privacy_how_long", "fi", 1): "minulle 1 kuukauteen, terveystietosi",
    ("privacy_how_long", "fi", 24): "minulle 24 kuukauteen, terveystietosi",
}


def test_athlete_texts_with_a_count_say_one_and_many_right(kb: KnowledgeBase) -> None:
    """No "1 minutes": each count an athlete reads is a plural text, in both languages."""
    for (base, lang, count), expected in ATHLETE_COUNTS.items():
        assert base in kb.meta.plurals  # so `kb check` insists on every form
        text = plural(kb, lang, base, count, run_time="07:30", first=165, last=172)
        assert expected in text, (base, lang, count, text)


def test_the_check_in_streak_counts_weeks_in_the_plural(kb: KnowledgeBase) -> None:
    """checkin_reply_goal_streak embeds `count_weeks`, as the check-in handler fills it in."""
    streaks = {
        ("en", 1): "that's <b>1 week in a row</b>",
        ("en", 3): "that's <b>3 weeks in a row</b>",
        ("fi", 1): "jo <b>1 viikko putkeen</b>",
        ("fi", 3): "jo <b>3 viikkoa putkeen</b>",
    }
    for (lang, streak), expected in streaks.items():
        weeks = plural(kb, lang, "count_weeks", streak)
        assert expected in kb.ui_text("checkin_reply_goal_streak", lang, weeks=weeks)
