"""Something hurts: a short triage that ends in one of three plain pieces of advice.

The questions, their red-flag answers, the score thresholds and the wording are
content (`pain.yaml`, marked general guidance); this module only walks them.
The answers so far travel in the button data, one character per question (the
option's position, or the 0–10 score as 0–9 and "a"), so a triage needs no
conversation state and survives a restart; `parse` refuses anything the
content could not have offered.

Outcome, most serious first: any red flag (sharp or worsening pain, numbness
or tingling, pain at night or at rest, swelling, a changed gait) or a score
from `stop_from` → stop and see a physiotherapist or doctor, and strength
nudges pause for `pause_days`; a score from `rest_from` → rest that area and
retest in a week; anything milder → keep going with the easier level.

A report is health data: stored only with consent, and then the athlete's
coach (if they share results) sees the flag while the pause lasts (`flagged`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.models import Athlete
from coaching.pain_models import PainReport
from knowledge.schema import PAIN_SCORES, PainOutcome, PainQuestion, PainTriage

DIGITS = "0123456789a"
"""One character per answer: an option's position, or a score of 0–10."""

DUPLICATE_WINDOW = dt.timedelta(minutes=10)
"""A second identical report this soon is the same tap twice, not a new pain."""


class InvalidTriage(ValueError):
    """Answers the content could not have offered: forged, or from older content."""


def choices(question: PainQuestion) -> int:
    """How many answers a question offers: its options, or the eleven scores."""
    return PAIN_SCORES if question.id == "score" else len(question.options)


def parse(triage: PainTriage, answers: str) -> list[int]:
    """The answers so far as positions; `InvalidTriage` unless each is one the content offers."""
    if len(answers) > len(triage.questions):
        raise InvalidTriage(answers)
    picked = []
    for question, char in zip(triage.questions, answers, strict=False):
        position = DIGITS.find(char)
        if not 0 <= position < choices(question):
            raise InvalidTriage(answers)
        picked.append(position)
    return picked


def next_question(triage: PainTriage, picked: list[int]) -> PainQuestion | None:
    """The question to ask next; None once every question is answered."""
    return triage.questions[len(picked)] if len(picked) < len(triage.questions) else None


@dataclass(frozen=True)
class Verdict:
    """What the answers add up to."""

    outcome: PainOutcome
    red_flag: bool
    area: str
    score: int
    answers: dict[str, str]
    """Question id → option id (the score as its number)."""


def verdict(triage: PainTriage, picked: list[int]) -> Verdict:
    """The outcome of a complete triage (`InvalidTriage` if it is not complete)."""
    if len(picked) != len(triage.questions):
        raise InvalidTriage("incomplete")
    answers: dict[str, str] = {}
    flagged = False
    score = 0
    for question, position in zip(triage.questions, picked, strict=True):
        if question.id == "score":
            score = position
            answers[question.id] = str(position)
            continue
        option = question.options[position]
        answers[question.id] = option.id
        flagged = flagged or option.red_flag
    red_flag = flagged or score >= triage.stop_from
    outcome: PainOutcome = (
        "see_professional"
        if red_flag
        else "rest_retest"
        if score >= triage.rest_from
        else "keep_going"
    )
    return Verdict(outcome, red_flag, answers["area"], score, answers)


async def record(
    session: AsyncSession, triage: PainTriage, athlete: Athlete, found: Verdict, now: dt.datetime
) -> PainReport | None:
    """Store the report if the athlete consented to health data; None if not.

    A red flag pauses strength nudges for `pause_days`. The same answers again
    within minutes (a double tap) return the report already stored.
    """
    if athlete.consent_at is None:
        return None
    recent = await session.scalars(
        select(PainReport).where(
            PainReport.athlete_id == athlete.id,
            PainReport.created_at > now - DUPLICATE_WINDOW,
        )
    )
    for earlier in recent:
        if earlier.answers == found.answers:
            return earlier
    report = PainReport(
        athlete_id=athlete.id,
        created_at=now,
        area=found.area,
        score=found.score,
        answers=dict(found.answers),
        outcome=found.outcome,
        red_flag=found.red_flag,
        paused_until=now + dt.timedelta(days=triage.pause_days) if found.red_flag else None,
    )
    session.add(report)
    await session.flush()
    return report


async def strength_paused_until(
    session: AsyncSession, athlete_id: int, now: dt.datetime
) -> dt.datetime | None:
    """Until when a red flag pauses this athlete's strength check-ins and tips; None if not."""
    until = await session.scalar(
        select(PainReport.paused_until)
        .where(PainReport.athlete_id == athlete_id, PainReport.paused_until > now)
        .order_by(PainReport.paused_until.desc())
        .limit(1)
    )
    return until


async def flagged(
    session: AsyncSession, athlete_ids: Collection[int], now: dt.datetime
) -> set[int]:
    """Which of these athletes have a red flag whose pause is still running: for the
    coach's overview (only athletes who share their results with that coach)."""
    if not athlete_ids:
        return set()
    found = await session.scalars(
        select(PainReport.athlete_id).where(
            PainReport.athlete_id.in_(list(athlete_ids)), PainReport.paused_until > now
        )
    )
    return set(found)
