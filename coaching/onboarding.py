"""Onboarding as a small state machine over the `Athlete` row, driven by one transition table.

The current step is stored on the athlete, so any instance can take the next
answer and a restart resumes exactly where the athlete was. Answers meant for
another step (an old button) are refused without changing anything.

Where each answer leads is `TRANSITIONS`, the same table `docs/onboarding.mmd`
is drawn from (`coaching.diagram`), so the picture cannot drift from the flow:

- every question after the first has Back;
- an athlete who already consented is not asked again when changing answers
  ("Change my answers" starts at the time zone); saying no to consent they had
  given (after going Back to it) is a withdrawal, which `coaching.consent`
  counts and confirms before anything is erased: never silently;
- no run days is allowed, but only once the athlete has read that it means no
  warm-up reminders (Done with none shows the note; "No run days" goes on),
  and the run time is then not asked.
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


class State(StrEnum):
    """Where an athlete can be besides a question (for the table and its diagram)."""

    NEW = "new"
    WITHDRAWAL = "withdrawal"  # asked to confirm erasing their health data
    DONE = "done"
    REVIEW = "review"  # /start again: the answers, with "Change" or "Looks good"
    CANCELLED = "cancelled"


class Event(StrEnum):
    START = "/start"
    AGREE = "agree"
    DECLINE = "decline"
    WITHDRAW = "withdraw"  # "No" to a consent given before: to be confirmed
    ERASE = "erase"
    KEEP = "keep"
    ANSWER = "answer"
    OTHER_ZONE = "other"
    TOGGLE = "toggle"
    DONE = "done"
    DONE_WITHOUT_DAYS = "done, none"
    NO_DAYS = "none"
    BACK = "back"
    BACK_TO_REVIEW = "back, first question of a review"
    EDIT = "edit"
    EDIT_CONSENTED = "edit, consented"
    OK = "ok"
    CANCEL = "/cancel"


Node = Step | State


@dataclass(frozen=True)
class Transition:
    source: Node
    event: Event
    target: Node
    label: str


_STEPS_AFTER_CONSENT = (Step.TIMEZONE, Step.RUN_DAYS, Step.RUN_TIME, Step.TRIATHLETE)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(State.NEW, Event.START, Step.CONSENT, "/start (a deep-link payload is the source)"),
    Transition(Step.CONSENT, Event.AGREE, Step.TIMEZONE, "Yes, I agree"),
    Transition(Step.CONSENT, Event.DECLINE, Step.TIMEZONE, "No, thanks: nothing stored"),
    Transition(Step.CONSENT, Event.WITHDRAW, State.WITHDRAWAL, "No, thanks, after consenting"),
    Transition(State.WITHDRAWAL, Event.ERASE, Step.TIMEZONE, "Yes, erase (counts shown first)"),
    Transition(State.WITHDRAWAL, Event.KEEP, Step.TIMEZONE, "No, keep my consent and data"),
    Transition(
        Step.TIMEZONE, Event.ANSWER, Step.RUN_DAYS, "zone button, city, zone name, offset, location"
    ),
    Transition(Step.TIMEZONE, Event.OTHER_ZONE, Step.TIMEZONE, "Another zone: type it"),
    Transition(Step.TIMEZONE, Event.BACK, Step.CONSENT, "Back"),
    Transition(Step.RUN_DAYS, Event.TOGGLE, Step.RUN_DAYS, "a weekday on or off"),
    Transition(Step.RUN_DAYS, Event.DONE, Step.RUN_TIME, "Done"),
    Transition(
        Step.RUN_DAYS, Event.DONE_WITHOUT_DAYS, Step.RUN_DAYS, "Done with none: no warm-ups, sure?"
    ),
    Transition(Step.RUN_DAYS, Event.NO_DAYS, Step.TRIATHLETE, "No run days"),
    Transition(Step.RUN_DAYS, Event.BACK, Step.TIMEZONE, "Back"),
    Transition(Step.RUN_TIME, Event.ANSWER, Step.TRIATHLETE, "time button or typed (7.30, 7.30pm)"),
    Transition(Step.RUN_TIME, Event.BACK, Step.RUN_DAYS, "Back"),
    Transition(Step.TRIATHLETE, Event.ANSWER, State.DONE, "Yes / No"),
    Transition(Step.TRIATHLETE, Event.BACK, Step.RUN_TIME, "Back (to run days if there are none)"),
    Transition(State.DONE, Event.START, State.REVIEW, "/start again"),
    Transition(State.REVIEW, Event.EDIT_CONSENTED, Step.TIMEZONE, "Change my answers (consented)"),
    Transition(State.REVIEW, Event.EDIT, Step.CONSENT, "Change my answers (no consent yet)"),
    Transition(State.REVIEW, Event.OK, State.DONE, "Looks good"),
    Transition(Step.TIMEZONE, Event.BACK_TO_REVIEW, State.REVIEW, "Back (changing answers)"),
    Transition(Step.CONSENT, Event.BACK_TO_REVIEW, State.REVIEW, "Back (changing answers)"),
    *(
        Transition(step, Event.CANCEL, State.CANCELLED, "/cancel (answers so far kept)")
        for step in ORDER
    ),
    Transition(State.CANCELLED, Event.START, Step.CONSENT, "/start carries on where it stopped"),
)
"""Every move of onboarding: the domain below follows it, the diagram is drawn from it."""

_TABLE = {(t.source, t.event): t.target for t in TRANSITIONS}


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


def current_step(athlete: Athlete) -> Step | None:
    try:
        return Step(athlete.onboarding_step) if athlete.onboarding_step else None
    except ValueError:
        return None


def _steps(athlete: Athlete) -> list[Step]:
    """The questions that apply: no run time without run days, no consent question for an
    athlete changing answers who has consented."""
    steps = list(ORDER)
    if athlete.onboarded_at is not None and athlete.consent_at is not None:
        if athlete.onboarding_step != Step.CONSENT:
            steps.remove(Step.CONSENT)
    if athlete.run_days_mask == 0:
        steps.remove(Step.RUN_TIME)
    return steps


def first_step(athlete: Athlete) -> Step:
    return _steps(athlete)[0]


def has_back(athlete: Athlete, step: Step) -> bool:
    """Whether the question offers Back: every one but the very first of a new athlete."""
    return step != ORDER[0] or athlete.onboarded_at is not None


def begin(athlete: Athlete) -> Step:
    """Start onboarding from the first question (a new athlete: consent)."""
    athlete.onboarding_step = _target(State.NEW, Event.START)
    return Step.CONSENT


def review(athlete: Athlete) -> Step:
    """ "Change my answers": from the time zone if they consented, else from consent."""
    event = Event.EDIT_CONSENTED if athlete.consent_at is not None else Event.EDIT
    step = _target(State.REVIEW, event)
    athlete.onboarding_step = step
    return step


def keep_answers(athlete: Athlete) -> None:
    """ "Looks good" (or /cancel while changing answers): the answers stay as they are."""
    athlete.onboarding_step = None


def stop(athlete: Athlete) -> Step | None:
    """/cancel during onboarding: a review ends; a new athlete's step is kept for /start."""
    step = current_step(athlete)
    if athlete.onboarded_at is not None:
        keep_answers(athlete)
    return step


def _target(source: Node, event: Event) -> Step:
    target = _TABLE.get((source, event))
    if not isinstance(target, Step):
        raise StaleAnswer(f"{source}:{event}")
    return target


def _expect(athlete: Athlete, step: Step) -> None:
    if current_step(athlete) is not step:
        raise StaleAnswer(step)


def _after(athlete: Athlete, step: Step, now: dt.datetime) -> Step | None:
    """The question after `step` (skipping any that no longer apply), or None when done."""
    steps = _steps(athlete)
    later = [s for s in steps if ORDER.index(s) > ORDER.index(step)]
    if later:
        athlete.onboarding_step = later[0]
        return later[0]
    athlete.onboarding_step = None
    athlete.onboarded_at = athlete.onboarded_at or now
    return None


def _move(athlete: Athlete, step: Step, event: Event, now: dt.datetime) -> Step | None:
    """Follow the table from `step` on `event`; a question that no longer applies is skipped."""
    target = _TABLE.get((step, event))
    if target is None:
        raise StaleAnswer(f"{step}:{event}")
    if target is State.DONE:
        return _after(athlete, step, now)
    if target is step or not isinstance(target, Step):
        return step
    if ORDER.index(target) > ORDER.index(step):
        return _after(athlete, step, now)
    earlier = [s for s in _steps(athlete) if ORDER.index(s) < ORDER.index(step)]
    if not earlier:
        raise StaleAnswer(f"{step}:{event}")
    athlete.onboarding_step = earlier[-1]
    return earlier[-1]


class Go(StrEnum):
    """What an answer did."""

    MOVED = "moved"  # to `Outcome.next_step` (None: onboarding is done)
    STAYED = "stayed"  # same question, refreshed (a run day toggled)
    TYPE_IT = "type_it"  # "Another zone…": the zone is to be typed
    NO_DAYS_NOTE = "no_days_note"  # Done with no run days: say what that means first
    WITHDRAWAL = "withdrawal"  # No to consent given before: count and confirm first
    REVIEW = "review"  # Back from the first question while changing answers


@dataclass(frozen=True)
class Outcome:
    go: Go
    next_step: Step | None
    """The question now current (None: onboarding is done, or back at the review)."""

    @property
    def advanced(self) -> bool:
        return self.go is Go.MOVED


def apply_button(athlete: Athlete, step_name: str, value: str, now: dt.datetime) -> Outcome:
    """Apply `ob:<step>:<value>`; anything not meant for the current step is `StaleAnswer`."""
    step = current_step(athlete)
    if step is None or step_name != step.value:
        raise StaleAnswer(step_name)
    if value == "back":
        return back(athlete, now)
    if step is Step.CONSENT and value in {"yes", "no"}:
        return answer_consent(athlete, value == "yes", now)
    if step is Step.TIMEZONE and value == "other":
        return Outcome(Go.TYPE_IT, _move(athlete, step, Event.OTHER_ZONE, now))
    if step is Step.TIMEZONE:
        return Outcome(Go.MOVED, answer_timezone(athlete, value, now))
    if step is Step.RUN_DAYS and value == "done":
        return finish_run_days(athlete, now)
    if step is Step.RUN_DAYS and value == "none":
        return finish_run_days(athlete, now, none_confirmed=True)
    if step is Step.RUN_DAYS and value.isdigit() and len(value) == 1:
        toggle_run_day(athlete, int(value))
        return Outcome(Go.STAYED, step)
    if step is Step.RUN_TIME and len(value) == 4 and value.isdigit():
        return Outcome(Go.MOVED, answer_run_time(athlete, f"{value[:2]}:{value[2:]}", now))
    if step is Step.TRIATHLETE and value in {"yes", "no"}:
        return Outcome(Go.MOVED, answer_triathlete(athlete, value == "yes", now))
    raise StaleAnswer(step_name)


def apply_location(athlete: Athlete, zone: str, now: dt.datetime) -> Outcome:
    """A shared location answers the time-zone step (the zone is looked up by the caller)."""
    _expect(athlete, Step.TIMEZONE)
    return Outcome(Go.MOVED, answer_timezone(athlete, zone, now))


def apply_text(athlete: Athlete, text: str, now: dt.datetime) -> Outcome:
    """Typed input is accepted where a value can be typed (time zone, run time).

    Raises `InvalidInput` for a bad value and `StaleAnswer` where a button is expected.
    """
    step = current_step(athlete)
    if step is Step.TIMEZONE:
        return Outcome(Go.MOVED, answer_timezone(athlete, text, now))
    if step is Step.RUN_TIME:
        return Outcome(Go.MOVED, answer_run_time(athlete, text, now))
    raise StaleAnswer(text[:16])


def back(athlete: Athlete, now: dt.datetime) -> Outcome:
    """The previous question that applies; from the first one of a review, the review."""
    step = current_step(athlete)
    if step is None or not has_back(athlete, step):
        raise StaleAnswer("back")
    if step == first_step(athlete):
        if _TABLE.get((step, Event.BACK_TO_REVIEW)) is not State.REVIEW:
            raise StaleAnswer("back")
        keep_answers(athlete)
        return Outcome(Go.REVIEW, None)
    return Outcome(Go.MOVED, _move(athlete, step, Event.BACK, now))


def answer_consent(athlete: Athlete, agreed: bool, now: dt.datetime) -> Outcome:
    """Yes stores consent (keeping its first date); No moves on, unless it would withdraw a
    consent given before: that is `Go.WITHDRAWAL`, and nothing changes until confirmed."""
    _expect(athlete, Step.CONSENT)
    if agreed:
        athlete.consent_at = athlete.consent_at or now
        return Outcome(Go.MOVED, _move(athlete, Step.CONSENT, Event.AGREE, now))
    if athlete.consent_at is not None:
        return Outcome(Go.WITHDRAWAL, _move(athlete, Step.CONSENT, Event.WITHDRAW, now))
    return Outcome(Go.MOVED, _move(athlete, Step.CONSENT, Event.DECLINE, now))


def consent_decided(athlete: Athlete, erased: bool, now: dt.datetime) -> Step | None:
    """After the withdrawal question: erased (consent gone) or kept; onboarding goes on."""
    _expect(athlete, Step.CONSENT)
    event = Event.ERASE if erased else Event.KEEP
    if _TABLE.get((State.WITHDRAWAL, event)) is None:
        raise StaleAnswer(event)
    return _after(athlete, Step.CONSENT, now)


def answer_timezone(athlete: Athlete, text: str, now: dt.datetime) -> Step | None:
    """Raises `InvalidInput` for an unknown zone, leaving the athlete unchanged."""
    _expect(athlete, Step.TIMEZONE)
    athlete.timezone = parse_timezone(text)
    return _move(athlete, Step.TIMEZONE, Event.ANSWER, now)


def toggle_run_day(athlete: Athlete, weekday: int) -> None:
    _expect(athlete, Step.RUN_DAYS)
    if not 0 <= weekday <= 6:
        raise InvalidInput(str(weekday))
    athlete.run_days_mask ^= 1 << weekday


def finish_run_days(athlete: Athlete, now: dt.datetime, *, none_confirmed: bool = False) -> Outcome:
    """Done: on to the run time. With no day picked, first the note that there will be no
    warm-up reminders; "No run days" after it goes on without asking the run time."""
    _expect(athlete, Step.RUN_DAYS)
    if athlete.run_days_mask == 0 and not none_confirmed:
        _move(athlete, Step.RUN_DAYS, Event.DONE_WITHOUT_DAYS, now)
        return Outcome(Go.NO_DAYS_NOTE, Step.RUN_DAYS)
    if athlete.run_days_mask != 0 and none_confirmed:
        raise StaleAnswer("none")  # days were picked after the note: Done is the way on
    event = Event.NO_DAYS if none_confirmed else Event.DONE
    return Outcome(Go.MOVED, _move(athlete, Step.RUN_DAYS, event, now))


def answer_run_time(athlete: Athlete, text: str, now: dt.datetime) -> Step | None:
    """Raises `InvalidInput` for an impossible time, leaving the athlete unchanged."""
    _expect(athlete, Step.RUN_TIME)
    athlete.run_time = parse_time_of_day(text)
    return _move(athlete, Step.RUN_TIME, Event.ANSWER, now)


def answer_triathlete(athlete: Athlete, is_triathlete: bool, now: dt.datetime) -> Step | None:
    _expect(athlete, Step.TRIATHLETE)
    athlete.triathlete = is_triathlete
    return _move(athlete, Step.TRIATHLETE, Event.ANSWER, now)


__all__ = [
    "ORDER",
    "TRANSITIONS",
    "Event",
    "Go",
    "InvalidInput",
    "Outcome",
    "StaleAnswer",
    "Started",
    "State",
    "Step",
    "Transition",
    "answer_consent",
    "answer_run_time",
    "answer_timezone",
    "answer_triathlete",
    "apply_button",
    "apply_location",
    "apply_text",
    "back",
    "begin",
    "clean_source",
    "consent_decided",
    "current_step",
    "finish_run_days",
    "first_step",
    "get_or_create",
    "has_back",
    "is_onboarded",
    "keep_answers",
    "language_for",
    "review",
    "start",
    "stop",
    "toggle_run_day",
]


@dataclass(frozen=True)
class Started:
    """What /start found: the athlete, whether new, and the question to ask (None: the
    athlete is onboarded, so /start shows their answers for review)."""

    athlete: Athlete
    created: bool
    step: Step | None


async def start(
    session: AsyncSession,
    user_id: int,
    first_name: str,
    language_code: str | None,
    payload: str | None,
) -> Started:
    """/start: the athlete (made if new, active again if they had blocked the bot), the
    deep-link source kept from the first visit, and where onboarding stands."""
    athlete, created = await get_or_create(session, user_id, first_name, language_code)
    athlete.active = True
    source = clean_source(payload)
    if source and athlete.source is None:
        athlete.source = source
    if is_onboarded(athlete):
        return Started(athlete, created, None)
    step = current_step(athlete) or begin(athlete)
    return Started(athlete, created, step)
