"""What an athlete does with a warm-up reminder: answer it (done, skip today) or snooze it.

A snooze is a one-off outbox row 15 minutes later, never a move of the
recurring schedule; its buttons answer the reminder it stands for
(`original_of`). A snooze never pushes the reminder past the run it is for:
within 15 minutes of the start there is no snooze (`can_snooze`), and a
snoozed copy expires when the run starts. An answer that comes long after the
run (`is_late`) is stored, and acknowledged as late rather than wished a good
run. Everything here runs inside the caller's transaction.
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
SNOOZED_LIFETIME = dt.timedelta(minutes=30)  # when the run time is unknown
LATE_AFTER = dt.timedelta(hours=6)
"""An answer this long after the run started is for a run that is over."""
ACK_ANSWERS = ("done", "skip")


class NotAllowed(Exception):
    """An answer to a reminder that is not this athlete's, or not of the right kind."""


class TooLate(Exception):
    """A snooze that would bring the reminder back after the run has started."""


def run_at(delivery: Delivery) -> dt.datetime | None:
    """When the run a warm-up reminder is for starts (planned into its payload)."""
    raw = (delivery.payload or {}).get("run_at")
    if not isinstance(raw, str):
        return None
    try:
        found = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    return found if found.tzinfo is not None else found.replace(tzinfo=dt.UTC)


def can_snooze(delivery: Delivery, now: dt.datetime) -> bool:
    """Whether a snooze from `now` still comes back before the run starts."""
    start = run_at(delivery)
    return start is None or now + SNOOZE < start


def is_late(delivery: Delivery, now: dt.datetime) -> bool:
    """Whether the run this reminder was for is long over (answered hours or days later)."""
    start = run_at(delivery) or delivery.due_at
    return now - start > LATE_AFTER


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
    session.add(
        WarmupAck(
            athlete_id=athlete_id,
            delivery_id=delivery.id,
            run_at=run_at(delivery),
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

    Snoozing the same message twice gives the same snooze (unique slot);
    `TooLate` when the run starts within the 15 minutes.
    """
    if delivery.athlete_id != athlete_id or delivery.kind not in (Kind.WARMUP, Kind.SNOOZE):
        raise NotAllowed
    if not can_snooze(delivery, now):
        raise TooLate
    slot = f"d{delivery.id}"
    due = now + SNOOZE
    start = run_at(delivery)
    await outbox.insert_one(
        session,
        outbox.planned(
            Kind.SNOOZE,
            slot,
            due,
            now,
            athlete_id=athlete_id,
            expires=start if start is not None else due + SNOOZED_LIFETIME,
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
