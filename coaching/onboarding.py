"""Onboarding as a small state machine over the `Athlete` row.

The current step is stored on the athlete, so any instance can take the next
answer and a restart resumes exactly where the athlete was. Answers meant for
another step (an old button) are refused without changing anything.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from coaching.base import utcnow
from coaching.models import Athlete
from coaching.timeparse import InvalidInput, parse_time_of_day, parse_timezone
from knowledge.languages import declared_languages
from knowledge.schema import FALLBACK_LANGUAGE

_SOURCE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class Step(StrEnum):
    CONSENT = "consent"
    TIMEZONE = "tz"
    RUN_DAYS = "days"
    RUN_TIME = "time"
    TRIATHLETE = "tri"


ORDER = list(Step)


class StaleAnswer(Exception):
    """An answer for a step the athlete is not on (an old or forged button)."""


def language_for(language_code: str | None) -> str:
    """The Telegram app's language ("fi-FI" -> "fi") if the content speaks it, else English."""
    code = (language_code or "").split("-")[0].lower()
    return code if code in declared_languages() else FALLBACK_LANGUAGE


def clean_source(payload: str | None) -> str | None:
    """A deep-link payload fit to store, or None; Telegram allows [A-Za-z0-9_-]{1,64}."""
    if payload and _SOURCE.match(payload):
        return payload
    return None


async def get_or_create(
    session: AsyncSession, user_id: int, first_name: str, language_code: str | None
) -> tuple[Athlete, bool]:
    athlete = await session.get(Athlete, user_id)
    if athlete is not None:
        return athlete, False
    athlete = Athlete(
        id=user_id,
        first_name=first_name[:64],
        language=language_for(language_code),
        run_days_mask=0,
        active=True,
        created_at=utcnow(),
    )
    session.add(athlete)
    await session.flush()
    return athlete, True


def is_onboarded(athlete: Athlete) -> bool:
    return athlete.onboarded_at is not None and athlete.onboarding_step is None


def begin(athlete: Athlete) -> Step:
    """Start (or restart, to review answers) onboarding from the first step."""
    athlete.onboarding_step = Step.CONSENT
    return Step.CONSENT


def current_step(athlete: Athlete) -> Step | None:
    try:
        return Step(athlete.onboarding_step) if athlete.onboarding_step else None
    except ValueError:
        return None


def _expect(athlete: Athlete, step: Step) -> None:
    if current_step(athlete) is not step:
        raise StaleAnswer(step)


def _advance(athlete: Athlete, now: dt.datetime) -> Step | None:
    step = current_step(athlete)
    assert step is not None
    position = ORDER.index(step) + 1
    if position < len(ORDER):
        athlete.onboarding_step = ORDER[position]
        return ORDER[position]
    athlete.onboarding_step = None
    athlete.onboarded_at = athlete.onboarded_at or now
    return None


@dataclass(frozen=True)
class Outcome:
    """What a button did: moved on (to `next_step`, None when done) or stayed to refresh."""

    advanced: bool
    next_step: Step | None


def apply_button(athlete: Athlete, step_name: str, value: str, now: dt.datetime) -> Outcome:
    """Apply `ob:<step>:<value>`; anything not meant for the current step is `StaleAnswer`."""
    step = current_step(athlete)
    if step is None or step_name != step.value:
        raise StaleAnswer(step_name)
    if step is Step.CONSENT and value in {"yes", "no"}:
        return Outcome(True, answer_consent(athlete, value == "yes", now))
    if step is Step.TIMEZONE:
        return Outcome(True, answer_timezone(athlete, value, now))
    if step is Step.RUN_DAYS and value == "done":
        return Outcome(True, finish_run_days(athlete, now))
    if step is Step.RUN_DAYS and value.isdigit() and len(value) == 1:
        toggle_run_day(athlete, int(value))
        return Outcome(False, step)
    if step is Step.RUN_TIME and len(value) == 4 and value.isdigit():
        return Outcome(True, answer_run_time(athlete, f"{value[:2]}:{value[2:]}", now))
    if step is Step.TRIATHLETE and value in {"yes", "no"}:
        return Outcome(True, answer_triathlete(athlete, value == "yes", now))
    raise StaleAnswer(step_name)


def apply_location(athlete: Athlete, zone: str, now: dt.datetime) -> Outcome:
    """A shared location answers the time-zone step (the zone is looked up by the caller)."""
    _expect(athlete, Step.TIMEZONE)
    return Outcome(True, answer_timezone(athlete, zone, now))


def apply_text(athlete: Athlete, text: str, now: dt.datetime) -> Outcome:
    """Typed input is accepted where a value can be typed (time zone, run time).

    Raises `InvalidInput` for a bad value and `StaleAnswer` where a button is expected.
    """
    step = current_step(athlete)
    if step is Step.TIMEZONE:
        return Outcome(True, answer_timezone(athlete, text, now))
    if step is Step.RUN_TIME:
        return Outcome(True, answer_run_time(athlete, text, now))
    raise StaleAnswer(text[:16])


def answer_consent(athlete: Athlete, agreed: bool, now: dt.datetime) -> Step | None:
    _expect(athlete, Step.CONSENT)
    if agreed:
        athlete.consent_at = athlete.consent_at or now
    else:
        athlete.consent_at = None
    return _advance(athlete, now)


def answer_timezone(athlete: Athlete, text: str, now: dt.datetime) -> Step | None:
    """Raises `InvalidInput` for an unknown zone, leaving the athlete unchanged."""
    _expect(athlete, Step.TIMEZONE)
    athlete.timezone = parse_timezone(text)
    return _advance(athlete, now)


def toggle_run_day(athlete: Athlete, weekday: int) -> None:
    _expect(athlete, Step.RUN_DAYS)
    if not 0 <= weekday <= 6:
        raise InvalidInput(str(weekday))
    athlete.run_days_mask ^= 1 << weekday


def finish_run_days(athlete: Athlete, now: dt.datetime) -> Step | None:
    _expect(athlete, Step.RUN_DAYS)
    return _advance(athlete, now)


def answer_run_time(athlete: Athlete, text: str, now: dt.datetime) -> Step | None:
    """Raises `InvalidInput` for an impossible time, leaving the athlete unchanged."""
    _expect(athlete, Step.RUN_TIME)
    athlete.run_time = parse_time_of_day(text)
    return _advance(athlete, now)


def answer_triathlete(athlete: Athlete, is_triathlete: bool, now: dt.datetime) -> Step | None:
    _expect(athlete, Step.TRIATHLETE)
    athlete.triathlete = is_triathlete
    return _advance(athlete, now)


__all__ = [
    "InvalidInput",
    "Outcome",
    "apply_button",
    "apply_location",
    "apply_text",
    "StaleAnswer",
    "Step",
    "answer_consent",
    "answer_run_time",
    "answer_timezone",
    "answer_triathlete",
    "begin",
    "clean_source",
    "current_step",
    "finish_run_days",
    "get_or_create",
    "is_onboarded",
    "language_for",
    "toggle_run_day",
]
