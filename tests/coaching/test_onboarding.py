"""The onboarding state machine without Telegram or a database."""

import datetime as dt

import pytest

from coaching import onboarding
from coaching.models import Athlete
from coaching.onboarding import Go, InvalidInput, StaleAnswer, Step

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def fresh_athlete() -> Athlete:
    athlete = Athlete(id=1, first_name="Ann", language="en", run_days_mask=0, active=True)
    onboarding.begin(athlete)
    return athlete


def snapshot(athlete: Athlete) -> tuple[object, ...]:
    return (
        athlete.onboarding_step,
        athlete.consent_at,
        athlete.timezone,
        athlete.run_days_mask,
        athlete.run_time,
        athlete.triathlete,
        athlete.onboarded_at,
    )


def test_full_walk_through_buttons() -> None:
    athlete = fresh_athlete()
    assert onboarding.apply_button(athlete, "consent", "yes", NOW).next_step is Step.TIMEZONE
    assert athlete.consent_at == NOW
    assert onboarding.apply_button(athlete, "tz", "Europe/Helsinki", NOW).next_step is Step.RUN_DAYS
    toggled = onboarding.apply_button(athlete, "days", "0", NOW)
    assert not toggled.advanced and toggled.next_step is Step.RUN_DAYS
    onboarding.apply_button(athlete, "days", "3", NOW)
    onboarding.apply_button(athlete, "days", "5", NOW)
    onboarding.apply_button(athlete, "days", "5", NOW)  # tapped twice: off again
    assert athlete.run_days == [0, 3]
    assert onboarding.apply_button(athlete, "days", "done", NOW).next_step is Step.RUN_TIME
    assert onboarding.apply_button(athlete, "time", "0730", NOW).next_step is Step.TRIATHLETE
    assert athlete.run_time == dt.time(7, 30)
    done = onboarding.apply_button(athlete, "tri", "yes", NOW)
    assert done.advanced and done.next_step is None
    assert athlete.triathlete is True
    assert onboarding.is_onboarded(athlete)
    assert athlete.onboarded_at == NOW


def test_declining_consent_stores_no_consent_and_moves_on() -> None:
    athlete = fresh_athlete()
    assert onboarding.apply_button(athlete, "consent", "no", NOW).next_step is Step.TIMEZONE
    assert athlete.consent_at is None


def test_typed_values_where_typing_is_allowed() -> None:
    athlete = fresh_athlete()
    onboarding.apply_button(athlete, "consent", "yes", NOW)
    assert onboarding.apply_text(athlete, "america/new_york", NOW).next_step is Step.RUN_DAYS
    assert athlete.timezone == "America/New_York"
    onboarding.apply_button(athlete, "days", "1", NOW)
    onboarding.apply_button(athlete, "days", "done", NOW)
    onboarding.apply_text(athlete, "6.45pm", NOW)
    assert athlete.run_time == dt.time(18, 45)


@pytest.mark.parametrize(
    ("step_name", "value"),
    [
        ("tz", "Europe/Helsinki"),
        ("consent", "maybe"),
        ("days", "9"),
        ("days", "12"),
        ("time", "2599"),
        ("tri", "yes"),
        ("zz", "yes"),
        ("", ""),
    ],
)
def test_buttons_for_other_steps_or_forged_values_change_nothing(
    step_name: str, value: str
) -> None:
    athlete = fresh_athlete()
    before = snapshot(athlete)
    with pytest.raises(StaleAnswer):
        onboarding.apply_button(athlete, step_name, value, NOW)
    assert snapshot(athlete) == before


def test_bad_time_zone_and_time_leave_state_unchanged() -> None:
    athlete = fresh_athlete()
    onboarding.apply_button(athlete, "consent", "yes", NOW)
    before = snapshot(athlete)
    with pytest.raises(InvalidInput):
        onboarding.apply_text(athlete, "Mars/Base", NOW)
    with pytest.raises(InvalidInput):
        onboarding.apply_button(athlete, "tz", "Not/AZone", NOW)
    assert snapshot(athlete) == before
    onboarding.apply_button(athlete, "tz", "UTC", NOW)
    onboarding.apply_button(athlete, "days", "6", NOW)
    onboarding.apply_button(athlete, "days", "done", NOW)
    before = snapshot(athlete)
    with pytest.raises(InvalidInput):
        onboarding.apply_text(athlete, "25:99", NOW)
    assert snapshot(athlete) == before


def test_text_where_a_button_is_expected_is_refused() -> None:
    athlete = fresh_athlete()
    before = snapshot(athlete)
    with pytest.raises(StaleAnswer):
        onboarding.apply_text(athlete, "yes please", NOW)
    assert snapshot(athlete) == before


def onboarded(consent: str = "yes") -> Athlete:
    athlete = fresh_athlete()
    for step, value in [
        ("consent", consent),
        ("tz", "UTC"),
        ("days", "0"),
        ("days", "done"),
        ("time", "0600"),
        ("tri", "no"),
    ]:
        onboarding.apply_button(athlete, step, value, NOW)
    assert onboarding.is_onboarded(athlete)
    return athlete


def test_changing_answers_does_not_ask_a_consented_athlete_again() -> None:
    athlete = onboarded()
    assert onboarding.review(athlete) is Step.TIMEZONE
    assert athlete.timezone == "UTC" and athlete.run_time == dt.time(6, 0)
    with pytest.raises(StaleAnswer):
        onboarding.apply_button(athlete, "consent", "no", NOW)
    assert athlete.consent_at == NOW
    back = onboarding.apply_button(athlete, "tz", "back", NOW)
    assert back.go is Go.REVIEW and onboarding.is_onboarded(athlete)


def test_changing_answers_asks_consent_of_one_who_declined() -> None:
    athlete = onboarded(consent="no")
    assert onboarding.review(athlete) is Step.CONSENT
    later = NOW + dt.timedelta(days=1)
    assert onboarding.apply_button(athlete, "consent", "yes", later).next_step is Step.TIMEZONE
    assert athlete.consent_at == later


def test_no_to_a_consent_given_before_changes_nothing_until_confirmed() -> None:
    athlete = fresh_athlete()
    onboarding.apply_button(athlete, "consent", "yes", NOW)
    assert onboarding.apply_button(athlete, "tz", "back", NOW).next_step is Step.CONSENT
    before = snapshot(athlete)
    outcome = onboarding.apply_button(athlete, "consent", "no", NOW)
    assert outcome.go is Go.WITHDRAWAL and snapshot(athlete) == before
    assert onboarding.consent_decided(athlete, erased=False, now=NOW) is Step.TIMEZONE


def test_back_goes_to_the_previous_question_and_skips_what_does_not_apply() -> None:
    athlete = fresh_athlete()
    with pytest.raises(StaleAnswer):
        onboarding.apply_button(athlete, "consent", "back", NOW)  # a new athlete's first
    onboarding.apply_button(athlete, "consent", "yes", NOW)
    onboarding.apply_button(athlete, "tz", "UTC", NOW)
    onboarding.apply_button(athlete, "days", "2", NOW)
    onboarding.apply_button(athlete, "days", "done", NOW)
    assert onboarding.apply_button(athlete, "time", "back", NOW).next_step is Step.RUN_DAYS
    onboarding.apply_button(athlete, "days", "2", NOW)  # off again: no run days
    note = onboarding.apply_button(athlete, "days", "done", NOW)
    assert note.go is Go.NO_DAYS_NOTE and athlete.onboarding_step == Step.RUN_DAYS
    assert onboarding.apply_button(athlete, "days", "none", NOW).next_step is Step.TRIATHLETE
    assert onboarding.apply_button(athlete, "tri", "back", NOW).next_step is Step.RUN_DAYS


def test_no_run_days_needs_the_note_first() -> None:
    athlete = fresh_athlete()
    onboarding.apply_button(athlete, "consent", "yes", NOW)
    onboarding.apply_button(athlete, "tz", "UTC", NOW)
    onboarding.apply_button(athlete, "days", "4", NOW)
    with pytest.raises(StaleAnswer):  # days picked: "No run days" is not what they chose
        onboarding.apply_button(athlete, "days", "none", NOW)


def test_another_zone_waits_for_the_typed_one() -> None:
    athlete = fresh_athlete()
    onboarding.apply_button(athlete, "consent", "no", NOW)
    assert onboarding.apply_button(athlete, "tz", "other", NOW).go is Go.TYPE_IT
    assert onboarding.apply_text(athlete, "Tukholma", NOW).next_step is Step.RUN_DAYS
    assert athlete.timezone == "Europe/Stockholm"


def test_cancel_ends_a_review_but_keeps_a_new_athletes_place() -> None:
    athlete = onboarded()
    onboarding.review(athlete)
    assert onboarding.stop(athlete) is Step.TIMEZONE and onboarding.is_onboarded(athlete)
    new = fresh_athlete()
    onboarding.apply_button(new, "consent", "yes", NOW)
    assert onboarding.stop(new) is Step.TIMEZONE and new.onboarding_step == Step.TIMEZONE


@pytest.mark.parametrize(
    ("code", "lang"), [("fi", "fi"), ("fi-FI", "fi"), ("en-GB", "en"), ("sv", "en"), (None, "en")]
)
def test_language_from_telegram(code: str | None, lang: str) -> None:
    assert onboarding.language_for(code) == lang


@pytest.mark.parametrize(
    ("payload", "source"),
    [
        ("newsletter", "newsletter"),
        ("grp_ABC-12", "grp_ABC-12"),
        ("<b>", None),
        ("x" * 65, None),
        (None, None),
    ],
)
def test_deep_link_sources(payload: str | None, source: str | None) -> None:
    assert onboarding.clean_source(payload) == source
