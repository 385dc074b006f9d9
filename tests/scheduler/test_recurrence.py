"""Next-occurrence math across daylight-saving changes (no database)."""

from __future__ import annotations

import datetime as dt

from scheduler.recurrence import local_instant, next_run_reminder, next_weekly, week_start, zone

UTC = dt.UTC
HEL, NYC = "Europe/Helsinki", "America/New_York"
MON, SAT, SUN = 0, 5, 6
LEAD = dt.timedelta(minutes=45)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_helsinki_monday_tip_before_and_after_spring_forward() -> None:
    # Clocks go forward on Sunday 29 March 2026 (EET +2 -> EEST +3).
    before = next_weekly(utc(2026, 3, 20, 12), MON, dt.time(8, 0), HEL)
    after = next_weekly(before, MON, dt.time(8, 0), HEL)
    assert before == utc(2026, 3, 23, 6, 0)
    assert after == utc(2026, 3, 30, 5, 0)
    assert after.astimezone(zone(HEL)).time() == dt.time(8, 0)


def test_helsinki_monday_tip_before_and_after_fall_back() -> None:
    # Clocks go back on Sunday 25 October 2026 (EEST +3 -> EET +2).
    before = next_weekly(utc(2026, 10, 15), MON, dt.time(8, 0), HEL)
    after = next_weekly(before, MON, dt.time(8, 0), HEL)
    assert (before, after) == (utc(2026, 10, 19, 5, 0), utc(2026, 10, 26, 6, 0))


def test_new_york_run_reminder_across_spring_forward() -> None:
    # Second Sunday of March 2026 is the 8th: EST -5 -> EDT -4. Runs Sat and Sun at 07:30.
    mask = (1 << SAT) | (1 << SUN)
    first = next_run_reminder(utc(2026, 3, 6), mask, dt.time(7, 30), LEAD, NYC)
    assert first is not None
    assert first.run_at == utc(2026, 3, 7, 12, 30)  # 07:30 EST
    assert first.remind_at == utc(2026, 3, 7, 11, 45)  # 06:45 EST
    second = next_run_reminder(first.remind_at, mask, dt.time(7, 30), LEAD, NYC)
    assert second is not None
    assert second.run_at == utc(2026, 3, 8, 11, 30)  # 07:30 EDT
    assert second.remind_at.astimezone(zone(NYC)).time() == dt.time(6, 45)


def test_new_york_run_reminder_across_fall_back() -> None:
    # First Sunday of November 2026 is the 1st: EDT -4 -> EST -5.
    mask = (1 << SAT) | (1 << SUN)
    sat = next_run_reminder(utc(2026, 10, 30), mask, dt.time(7, 30), LEAD, NYC)
    assert sat is not None and sat.run_at == utc(2026, 10, 31, 11, 30)
    sun = next_run_reminder(sat.remind_at, mask, dt.time(7, 30), LEAD, NYC)
    assert sun is not None and sun.run_at == utc(2026, 11, 1, 12, 30)


def test_nonexistent_local_time_moves_forward_by_the_gap() -> None:
    # 02:30 does not exist in New York on 8 March 2026: it becomes 03:30 EDT.
    instant = local_instant(dt.date(2026, 3, 8), dt.time(2, 30), zone(NYC))
    assert instant == utc(2026, 3, 8, 7, 30)
    assert instant.astimezone(zone(NYC)).time() == dt.time(3, 30)
    # 03:30 does not exist in Helsinki on 29 March 2026: 04:30 EEST.
    helsinki = local_instant(dt.date(2026, 3, 29), dt.time(3, 30), zone(HEL))
    assert helsinki == utc(2026, 3, 29, 1, 30)


def test_ambiguous_local_time_is_taken_once_at_its_first_occurrence() -> None:
    # 01:30 happens twice in New York on 1 November 2026; we use the first (EDT).
    instant = local_instant(dt.date(2026, 11, 1), dt.time(1, 30), zone(NYC))
    assert instant == utc(2026, 11, 1, 5, 30)
    weekly = next_weekly(utc(2026, 10, 31), SUN, dt.time(1, 30), NYC)
    assert weekly == instant
    assert next_weekly(weekly, SUN, dt.time(1, 30), NYC) == utc(2026, 11, 8, 6, 30)


def test_spring_forward_weekly_in_the_gap_is_sent_once() -> None:
    weekly = next_weekly(utc(2026, 3, 7), SUN, dt.time(2, 30), NYC)
    assert weekly == utc(2026, 3, 8, 7, 30)
    assert next_weekly(weekly, SUN, dt.time(2, 30), NYC) == utc(2026, 3, 15, 6, 30)


def test_occurrence_exactly_now_is_not_next() -> None:
    now = utc(2026, 3, 23, 6, 0)  # Monday 08:00 Helsinki
    assert next_weekly(now, MON, dt.time(8, 0), HEL) == utc(2026, 3, 30, 5, 0)


def test_no_runs_means_no_reminder() -> None:
    assert next_run_reminder(utc(2026, 3, 6), 0, dt.time(7, 0), LEAD, HEL) is None
    assert next_run_reminder(utc(2026, 3, 6), 1, None, LEAD, HEL) is None


def test_unknown_zone_falls_back_to_utc_and_week_start_is_local() -> None:
    assert next_weekly(utc(2026, 3, 20), MON, dt.time(8, 0), "Mars/Base") == utc(2026, 3, 23, 8)
    # Sunday 23:30 UTC is already Monday in Helsinki.
    assert week_start(utc(2026, 3, 22, 23, 30), HEL) == dt.date(2026, 3, 23)
    assert week_start(utc(2026, 3, 22, 21, 0), HEL) == dt.date(2026, 3, 16)
