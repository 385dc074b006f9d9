"""Withdrawing consent, only ever knowingly: first how much goes, then a yes.

Withdrawing consent erases the athlete's health data (`coaching.privacy`), so
it is never a side effect of going through a form again. Wherever it is asked
for (the "Withdraw consent" button of /settings or of the /start review, or
"No, thanks" at a consent given earlier), the athlete is first told how many
results, check-ins, warm-up answers and runs will be erased, as a pending
question (`coaching.pending`) they confirm or cancel::

    asked = await consent.ask_withdrawal(session, athlete, Origin.SETTINGS, now)
    done = await consent.decide(session, athlete, asked.question.id, erase=True, now=now)

With nothing stored there is nothing to confirm: consent goes at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from coaching import onboarding, pending, privacy, selftest
from coaching.cadence.models import CadenceRun
from coaching.coach_models import GroupMembership
from coaching.models import Athlete, SelftestResult, SelftestSession
from coaching.onboarding import Step
from coaching.pending import Kind, PendingQuestion
from coaching.reminders.models import Checkin, WarmupAck


class Origin(StrEnum):
    """Where withdrawing was asked for: it decides what comes after the answer."""

    SETTINGS = "settings"
    ONBOARDING = "onboarding"  # "No, thanks" at the consent question: onboarding goes on


@dataclass(frozen=True)
class Erasable:
    """What withdrawing consent would erase, in the athlete's terms."""

    results: int
    checkins: int
    answers: int
    runs: int
    groups: int
    unfinished: int = 0
    """Self-tests started and not finished (their answers so far go too)."""

    @property
    def nothing(self) -> bool:
        return not (
            self.results
            or self.checkins
            or self.answers
            or self.runs
            or self.groups
            or self.unfinished
        )


async def _count(session: AsyncSession, column: InstrumentedAttribute[int], athlete_id: int) -> int:
    found = await session.scalar(select(func.count()).where(column == athlete_id))
    return int(found or 0)


async def erasable(session: AsyncSession, athlete_id: int) -> Erasable:
    return Erasable(
        results=await _count(session, SelftestResult.athlete_id, athlete_id),
        checkins=await _count(session, Checkin.athlete_id, athlete_id),
        answers=await _count(session, WarmupAck.athlete_id, athlete_id),
        runs=await _count(session, CadenceRun.athlete_id, athlete_id),
        groups=await _count(session, GroupMembership.athlete_id, athlete_id),
        unfinished=int(
            await session.scalar(
                select(func.count()).where(
                    SelftestSession.athlete_id == athlete_id,
                    SelftestSession.status == selftest.Status.ACTIVE,
                )
            )
            or 0
        ),
    )


@dataclass(frozen=True)
class Asked:
    """The confirmation asked (`question` None: nothing was stored, consent went at once)."""

    erasable: Erasable
    question: PendingQuestion | None
    replaced_message_id: int | None
    next_step: Step | None = None
    """Onboarding's next question when consent went at once from the consent step."""


async def ask_withdrawal(
    session: AsyncSession, athlete: Athlete, origin: Origin, now: dt.datetime
) -> Asked | None:
    """Count what would go and ask to confirm; None if there is no consent to withdraw."""
    if athlete.consent_at is None:
        return None
    found = await erasable(session, athlete.id)
    if found.nothing:
        await privacy.withdraw_consent(session, athlete.id, now)  # the same `athlete` row
        step = None
        if origin is Origin.ONBOARDING:
            step = onboarding.consent_decided(athlete, erased=True, now=now)
        return Asked(found, None, None, step)
    asked = await pending.ask(session, athlete.id, Kind.WITHDRAWAL, now, step=origin.value)
    return Asked(found, asked.question, asked.replaced_message_id)


@dataclass(frozen=True)
class Decided:
    """The answer taken: erased or kept, where it was asked, and onboarding's next question."""

    erased: bool
    origin: Origin
    question: PendingQuestion
    next_step: Step | None


async def decide(
    session: AsyncSession, athlete: Athlete, question_id: int, *, erase: bool, now: dt.datetime
) -> Decided | None:
    """Erase (withdraw) or keep; None unless `question_id` is the chat's withdrawal question."""
    question = await pending.end(session, athlete.id, kind=Kind.WITHDRAWAL, question_id=question_id)
    if question is None:
        return None
    try:
        origin = Origin(question.step or Origin.SETTINGS)
    except ValueError:
        origin = Origin.SETTINGS
    if erase and athlete.consent_at is not None:
        await privacy.withdraw_consent(session, athlete.id, now)  # the same `athlete` row
    next_step = None
    if origin is Origin.ONBOARDING and onboarding.current_step(athlete) is Step.CONSENT:
        next_step = onboarding.consent_decided(athlete, erased=erase, now=now)
    return Decided(erase, origin, question, next_step)


__all__ = ["Asked", "Decided", "Erasable", "Origin", "ask_withdrawal", "decide", "erasable"]
