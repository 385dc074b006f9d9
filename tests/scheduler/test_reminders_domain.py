"""Reminder preferences, pause, drafts and check-in streaks without a database."""

from __future__ import annotations

import datetime as dt

import pytest

from coaching import reminders
from coaching.models import Athlete
from coaching.reminders import Draft, Toggle
from coaching.timeparse import InvalidInput

NOW = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)


def test_pause_for_days_and_until_resume() -> None:
    settings = reminders.new_settings(1, NOW)
    reminders.pause(settings, NOW, 7)
    assert reminders.is_paused(settings, NOW + dt.timedelta(days=6))
    assert not reminders.is_paused(settings, NOW + dt.timedelta(days=7))
    reminders.pause(settings, NOW, None)
    assert reminders.is_paused(settings, NOW + dt.timedelta(days=400))
    reminders.resume(settings, NOW)
    assert not reminders.is_paused(settings, NOW)
    with pytest.raises(InvalidInput):
        reminders.pause(settings, NOW, 0)


@pytest.mark.parametrize(("args", "days"), [([], None), (["7"], 7), (["14d"], 14), ([" 3 "], 3)])
def test_parse_pause_days(args: list[str], days: int | None) -> None:
    assert reminders.parse_pause_days(args) == days


@pytest.mark.parametrize("args", [["x"], ["0"], ["-2"], ["1000"], ["1", "2"]])
def test_parse_pause_days_refuses(args: list[str]) -> None:
    with pytest.raises(InvalidInput):
        reminders.parse_pause_days(args)


def test_toggles_and_lead() -> None:
    settings = reminders.new_settings(1, NOW)
    assert reminders.toggle(settings, "tip", NOW) is False
    assert not reminders.is_enabled(settings, Toggle.TIPS)
    with pytest.raises(InvalidInput):
        reminders.toggle(settings, "nonsense", NOW)
    reminders.set_lead(settings, 30, NOW)
    assert settings.warmup_lead_minutes == 30
    with pytest.raises(InvalidInput):
        reminders.set_lead(settings, 999, NOW)
    assert settings.warmup_lead_minutes == 30


def test_typed_value_applies_or_changes_nothing() -> None:
    """What /settings waits for is the chat's pending question (tests/coaching/test_pending.py)."""
    settings = reminders.new_settings(1, NOW)
    athlete = Athlete(id=1, timezone="UTC", run_days_mask=0, run_time=dt.time(7, 0))
    with pytest.raises(InvalidInput):
        reminders.apply_typed(settings, athlete, Draft.RUN_TIME, "25:99", NOW)
    assert athlete.run_time == dt.time(7, 0)
    reminders.apply_typed(settings, athlete, Draft.RUN_TIME, "6.45pm", NOW)
    assert athlete.run_time == dt.time(18, 45)
    reminders.apply_typed(settings, athlete, Draft.TIMEZONE, "tukholma", NOW)
    assert athlete.timezone == "Europe/Stockholm"


def test_streak_and_feedback() -> None:
    week = dt.date(2026, 3, 16)
    met = [week, week - dt.timedelta(weeks=1), week - dt.timedelta(weeks=3)]
    assert reminders.strength_streak(met, week) == 2
    assert reminders.strength_streak(met, week + dt.timedelta(weeks=1)) == 0
    assert reminders.checkin_feedback_key(2, 3) == "checkin_reply_goal_streak"
    assert reminders.checkin_feedback_key(2, 1) == "checkin_reply_goal"
    assert reminders.checkin_feedback_key(1, 0) == "checkin_reply_one"
    assert reminders.checkin_feedback_key(0, 0) == "checkin_reply_zero"
