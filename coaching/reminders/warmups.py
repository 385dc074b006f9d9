"""What an athlete does with a warm-up reminder: answer it (done, skip today) or snooze it.

A snooze is a one-off outbox row 15 minutes later, never a move of the
recurring schedule; its buttons answer the reminder it stands for
(`original_of`). Both run inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching import outbox
from coaching.outbox import Delivery, Kind, Status
from coaching.reminders.models import WarmupAck
from coaching.timeparse import InvalidInput

SNOOZE = dt.timedelta(minutes=15)
ACK_ANSWERS = ("done", "skip")


class NotAllowed(Exception):
    """An answer to a reminder that is not this athlete's, or not of the right kind."""


async def record_warmup_ack(
    session: AsyncSession, delivery: Delivery, athlete_id: int, answer: str, now: dt.datetime
) -> bool:
    """Store "done" or "skip" for a warm-up reminder; False if it was already answered."""
    if answer not in ACK_ANSWERS:
        raise InvalidInput(answer)
    if delivery.athlete_id != athlete_id or delivery.kind != Kind.WARMUP:
        raise NotAllowed
    existing = await session.scalar(select(WarmupAck).where(WarmupAck.delivery_id == delivery.id))
    if existing is not None:
        return False
    run_at = (delivery.payload or {}).get("run_at")
    session.add(
        WarmupAck(
            athlete_id=athlete_id,
            delivery_id=delivery.id,
            run_at=dt.datetime.fromisoformat(run_at) if isinstance(run_at, str) else None,
            answer=answer,
            answered_at=now,
        )
    )
    await session.flush()
    return True


def original_of(delivery: Delivery) -> int:
    """The reminder a (possibly snoozed) delivery stands for: buttons answer that one."""
    if delivery.kind == Kind.SNOOZE and delivery.ref_id is not None:
        return delivery.ref_id
    return delivery.id


async def snooze(
    session: AsyncSession, delivery: Delivery, athlete_id: int, now: dt.datetime
) -> Delivery:
    """A one-off repeat of `delivery` in 15 minutes; the recurring schedule is untouched.

    Snoozing the same message twice gives the same snooze (unique slot).
    """
    if delivery.athlete_id != athlete_id or delivery.kind not in (Kind.WARMUP, Kind.SNOOZE):
        raise NotAllowed
    slot = f"d{delivery.id}"
    due = now + SNOOZE
    await outbox.insert_one(
        session,
        outbox.planned(
            Kind.SNOOZE,
            slot,
            due,
            now,
            athlete_id=athlete_id,
            expires=due + dt.timedelta(minutes=30),
            payload=dict(delivery.payload or {}),
            ref_id=original_of(delivery),
        ),
    )
    snoozed = await session.scalar(
        select(Delivery).where(
            Delivery.athlete_id == athlete_id, Delivery.kind == Kind.SNOOZE, Delivery.slot == slot
        )
    )
    assert snoozed is not None
    return snoozed


async def latest_snoozable(
    session: AsyncSession, athlete_id: int, now: dt.datetime
) -> Delivery | None:
    """The warm-up reminder `/snooze` means: the newest one sent in the last two hours."""
    found = await session.scalars(
        select(Delivery)
        .where(
            Delivery.athlete_id == athlete_id,
            Delivery.kind.in_([Kind.WARMUP, Kind.SNOOZE]),
            Delivery.status == Status.SENT,
            Delivery.finished_at >= now - dt.timedelta(hours=2),
        )
        .order_by(Delivery.finished_at.desc())
        .limit(1)
    )
    return found.first()
