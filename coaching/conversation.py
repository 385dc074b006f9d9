"""/cancel: end exactly the question the chat is waiting on, and what it belonged to.

Every flow asks its questions as the chat's one pending question
(`coaching.pending`), so cancelling is the same for all of them: the question
ends, and so does the flow it stood for, as that flow defines it:

- the self-test: the session is cancelled (results of earlier tests stay);
- a broadcast draft: it is discarded, nothing is sent;
- onboarding: changing answers ends with the answers as they were; a new
  athlete keeps the answers so far, and /start carries on where they stopped;
- a withdrawal of consent: nothing is erased, consent stays;
- a typed time, zone or group name: nothing changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from coaching import broadcasts, onboarding, pending, selftest
from coaching.consent import Origin
from coaching.models import Athlete, SelftestSession
from coaching.pending import Kind


@dataclass(frozen=True)
class Cancelled:
    """What was cancelled, in terms the bot can say, and the message whose buttons go."""

    kind: Kind | None
    step: str | None
    message_id: int | None
    onboarded: bool = False
    """For onboarding: the athlete had finished it before (they were changing answers)."""


async def cancel(session: AsyncSession, chat_id: int, now: dt.datetime) -> Cancelled | None:
    """End the chat's pending question and its flow; None if it waits for nothing."""
    question = await pending.end(session, chat_id)
    if question is None:
        return None
    kind = question.question_kind
    onboarded = False
    if kind is Kind.SELFTEST and question.ref_id is not None:
        sel = await session.get(SelftestSession, question.ref_id)
        if sel is not None and sel.athlete_id == chat_id and sel.status == selftest.Status.ACTIVE:
            selftest.cancel(sel, now)
    elif kind is Kind.BROADCAST:
        await broadcasts.discard(session, chat_id, question.ref_id)
    elif kind is Kind.ONBOARDING or (
        kind is Kind.WITHDRAWAL and question.step == Origin.ONBOARDING
    ):
        athlete = await session.get(Athlete, chat_id)
        if athlete is not None:
            onboarded = athlete.onboarded_at is not None
            onboarding.stop(athlete)
    return Cancelled(kind, question.step, question.message_id, onboarded)


__all__ = ["Cancelled", "cancel"]
