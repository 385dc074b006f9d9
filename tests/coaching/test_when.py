"""Reading a coach's schedule time: the forms coaches type, and exactly what is wrong."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from coaching import when
from coaching.when import (
    InThePast,
    NoSuchDate,
    NoTimeOfDay,
    SkippedByClock,
    TooFarAhead,
    Unreadable,
    parse_when,
)

HELSINKI = "Europe/Helsinki"
TZ = ZoneInfo(HELSINKI)
# Monday 30 November 2026, 09:19 in Helsinki (UTC+2).
NOW = dt.datetime(2026, 11, 30, 9, 19, tzinfo=TZ).astimezone(dt.UTC)


def local(text: str, now: dt.datetime = NOW, zone: str = HELSINKI) -> str:
    return parse_when(text, now, zone).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("tomorrow 7:00", "2026-12-01 07:00"),
        ("Mon 18:00", "2026-11-30 18:00"),  # today is Monday and 18:00 is still ahead
        ("Mon 8:00", "2026-12-07 08:00"),  # today's 8:00 has passed: next Monday
        ("Sun 9:00", "2026-12-06 09:00"),
        ("30.11. 18:00", "2026-11-30 18:00"),
        ("1.12. 07:00", "2026-12-01 07:00"),
        ("5.1. 7:00", "2027-01-05 07:00"),  # January comes after November
        ("2026-12-01 07:00", "2026-12-01 07:00"),
        ("7:00", "2026-12-01 07:00"),  # a time alone: its next occurrence
        ("23:59", "2026-11-30 23:59"),
        ("18.00", "2026-11-30 18:00"),
        ("7 pm", "2026-11-30 19:00"),
        ("in 2 hours", "2026-11-30 11:19"),
        ("Dec 3 7:00", "2026-12-03 07:00"),
        # Finnish: weekdays, months, "klo", dotted times.
        ("huomenna 7:00", "2026-12-01 07:00"),
        ("huomenna klo 7.30", "2026-12-01 07:30"),
        ("ti 7:00", "2026-12-01 07:00"),
        ("maanantaina 18.00", "2026-11-30 18:00"),
        ("perjantaina klo 7", "2026-12-04 07:00"),
        ("3. joulukuuta 7:00", "2026-12-03 07:00"),
        ("1.12. klo 7", "2026-12-01 07:00"),
        ("30.11. 18.00", "2026-11-30 18:00"),
    ],
)
def test_the_forms_coaches_type(typed: str, meant: str) -> None:
    assert local(typed) == meant


def test_the_result_is_utc_in_the_coach_zone() -> None:
    instant = parse_when("2026-12-01 07:00", NOW, HELSINKI)
    assert instant == dt.datetime(2026, 12, 1, 5, 0, tzinfo=dt.UTC)
    assert parse_when("2026-12-01 07:00", NOW, "America/New_York") == dt.datetime(
        2026, 12, 1, 12, 0, tzinfo=dt.UTC
    )


@pytest.mark.parametrize(
    ("typed", "day", "month", "year"),
    [
        ("31 February 7:00", 31, 2, None),
        ("31.2. 07:00", 31, 2, None),
        ("2027-02-30 07:00", 30, 2, 2027),
        ("31. huhtikuuta 7:00", 31, 4, None),
    ],
)
def test_a_day_the_month_does_not_have_is_named(
    typed: str, day: int, month: int, year: int | None
) -> None:
    with pytest.raises(NoSuchDate) as raised:
        parse_when(typed, NOW, HELSINKI)
    assert (raised.value.day, raised.value.month, raised.value.year) == (day, month, year)


def test_a_moment_that_passed_says_how_long_ago_and_what_time_it_is() -> None:
    with pytest.raises(InThePast) as raised:
        parse_when("30.11. 07:19", NOW, HELSINKI)
    assert raised.value.ago == dt.timedelta(hours=2)
    assert raised.value.now.strftime("%H:%M") == "09:19"
    assert raised.value.zone == HELSINKI
    assert when.rounded(raised.value.ago) == (2, "hours")
    with pytest.raises(InThePast):
        parse_when("yesterday 7:00", NOW, HELSINKI)
    with pytest.raises(InThePast):
        parse_when("2026-11-30 09:00", NOW, HELSINKI)


def test_too_far_ahead_says_how_far_and_the_limit() -> None:
    with pytest.raises(TooFarAhead) as raised:
        parse_when("2099-01-01 08:00", NOW, HELSINKI)
    assert raised.value.limit == dt.timedelta(days=60)
    assert raised.value.ahead > dt.timedelta(days=26_000)
    with pytest.raises(TooFarAhead):
        parse_when("1.3. 07:00", NOW, HELSINKI)


@pytest.mark.parametrize("typed", ["tomorrow", "huomenna", "1.12.", "ma 18"])
def test_a_day_without_a_time_asks_for_the_time(typed: str) -> None:
    with pytest.raises(NoTimeOfDay):
        parse_when(typed, NOW, HELSINKI)


@pytest.mark.parametrize("typed", ["", "   ", "soon-ish", "xyz", "a" * 70, "25:99"])
def test_unreadable_text_is_refused(typed: str) -> None:
    with pytest.raises(Unreadable):
        parse_when(typed, NOW, HELSINKI)


def test_a_time_the_clocks_skip_is_refused_not_shifted() -> None:
    spring = dt.datetime(2027, 3, 20, 12, 0, tzinfo=dt.UTC)  # Helsinki jumps 03:00 → 04:00
    with pytest.raises(SkippedByClock) as raised:
        parse_when("2027-03-28 03:30", spring, HELSINKI)
    assert raised.value.local == dt.datetime(2027, 3, 28, 3, 30)
    assert local("2027-03-28 04:30", spring) == "2027-03-28 04:30"


def test_no_zone_means_utc() -> None:
    assert parse_when("2026-12-01 07:00", NOW, None) == dt.datetime(2026, 12, 1, 7, tzinfo=dt.UTC)
    assert when.zone_of("Mars/Base").key == "UTC"
