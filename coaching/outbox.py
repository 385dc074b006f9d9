"""The outbox: every message the bot sends later, and what became of each one.

Tips, warm-up reminders, snoozes, check-ins, retest reminders, coach broadcasts
and their group-chat posts are all `delivery` rows. This module is the only one
that knows the table, its kinds and statuses, and the protocol that sends them
at most once:

    pending ──claim──▶ claimed ──attempt──▶ sending ──record──▶ sent
       ▲                  │                     │           ├─▶ unknown (may have arrived)
       │                  │ lease ran out       │ lease ran ├─▶ failed / blocked
       └──────────────────┘ (never attempted)   └─ out ────▶ unknown
    pending / claimed ──cancel──▶ cancelled;  due too late ──▶ expired;  paused ──▶ skipped

- `insert` ignores duplicates: a row is unique on (athlete, kind, slot) — or
  (chat, kind, slot) for a group-chat post — so planning twice, or on two
  instances, or a double-tapped confirm, adds nothing.
- `claim` leases due rows to one dispatcher (`claimed_by`, `lease_until`;
  `FOR UPDATE SKIP LOCKED` on PostgreSQL). A claimed row is not yet attempted:
  if its claimer dies, the lease runs out and the row goes back to `pending`.
- `start_attempts` marks, just before the request goes out, the rows that are
  still this claimer's (`sending`, `attempted_at`); only those are sent. A row
  whose lease ran out while `sending` may have reached Telegram, so it becomes
  `unknown` and is never resent automatically.
- Lease times are wall-clock time (`utcnow`), whatever clock plans the rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    delete,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from coaching.base import Base, UTCDateTime, utcnow


class Kind(StrEnum):
    """What a delivery is; stored in `delivery.kind`."""

    TIP = "tip"
    WARMUP = "warmup"
    CHECKIN = "checkin"
    RETEST = "retest"
    SNOOZE = "snooze"
    BROADCAST = "broadcast"
    GROUP_POST = "group_post"  # a broadcast posted in a linked group chat (`chat_id`)
    RELAY = "relay"  # a reply to a broadcast passed between athlete and coach (`coaching.relay`)
    DIGEST = "digest"  # a coach's weekly digest, to the coach's own chat (`chat_id`)


class Status(StrEnum):
    """Where a delivery stands; stored in `delivery.status`."""

    PENDING = "pending"  # planned, waiting for `not_before`
    CLAIMED = "claimed"  # leased by a dispatcher, not yet attempted
    SENDING = "sending"  # the request is (or may be) on its way
    SENT = "sent"
    FAILED = "failed"  # Telegram refused it for good (e.g. a bad request)
    BLOCKED = "blocked"  # the athlete blocked the bot, or the chat is gone
    EXPIRED = "expired"  # too late to be useful (e.g. the run already started)
    UNKNOWN = "unknown"  # may or may not have arrived: never resent automatically
    SKIPPED = "skipped"  # paused, switched off or inactive by the time it was due
    CANCELLED = "cancelled"  # the coach cancelled the broadcast before it went out


WAITING = (Status.PENDING, Status.CLAIMED, Status.SENDING)
NOT_CONFIRMED = (Status.UNKNOWN, Status.FAILED, Status.EXPIRED)
DEFAULT_LIFETIME = dt.timedelta(days=3)  # how long a row with no `expires_at` is retried
DEFAULT_LEASE = dt.timedelta(seconds=60)
ERROR_LENGTH = 200


class Delivery(Base):
    """One message to one athlete (or one group chat) at one time, and what became of it.

    `slot` names the occurrence (the local occurrence's UTC instant in ISO form,
    or an id), so the same occurrence can never be planned twice. `due_at` is
    when it was meant for; `not_before` when it may next be tried (later than
    `due_at` after a 429 or an outage); past `expires_at` it is dropped as `expired`.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("athlete_id", "kind", "slot", name="uq_delivery_athlete_kind_slot"),
        UniqueConstraint("chat_id", "kind", "slot", name="uq_delivery_chat_kind_slot"),
        Index("ix_delivery_status_not_before", "status", "not_before"),
        Index("ix_delivery_kind_ref_id", "kind", "ref_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int | None] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int | None] = mapped_column(BigInteger)  # a group chat, for group posts
    kind: Mapped[str] = mapped_column(String(16))
    slot: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default=Status.PENDING.value)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    not_before: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ref_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(ERROR_LENGTH))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    attempted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def recipient(self) -> int:
        """The Telegram chat the message goes to: the athlete's own, or a group chat."""
        chat = self.chat_id if self.chat_id is not None else self.athlete_id
        assert chat is not None, "a delivery has an athlete or a chat"
        return chat


DELIVERY = cast(Table, Delivery.__table__)
"""The table itself: inserts through it are Core statements, with no ORM bookkeeping per row."""


class SendPace(Base):
    """The shared pace of one sending lane, so that all instances together stay under
    Telegram's limits: each instance reserves its next sends here before making them."""

    __tablename__ = "send_pace"

    lane: Mapped[str] = mapped_column(String(16), primary_key=True)
    next_free_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    paused_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    rate: Mapped[float] = mapped_column(Float, default=30.0)


# --------------------------------------------------------------------- planning


def planned(
    kind: str,
    slot: str,
    due: dt.datetime,
    now: dt.datetime,
    *,
    athlete_id: int | None = None,
    chat_id: int | None = None,
    expires: dt.datetime | None = None,
    payload: dict[str, Any] | None = None,
    ref_id: int | None = None,
) -> dict[str, Any]:
    """The column values of a new pending delivery, for `insert`."""
    if (athlete_id is None) == (chat_id is None):
        raise ValueError("a delivery goes to an athlete or to a group chat")
    return {
        "athlete_id": athlete_id,
        "chat_id": chat_id,
        "kind": str(kind),
        "slot": slot,
        "status": Status.PENDING.value,
        "due_at": due,
        "not_before": due,
        "expires_at": expires,
        "attempts": 0,
        "payload": payload,
        "ref_id": ref_id,
        "created_at": now,
    }


async def insert(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert deliveries built by `planned`, skipping any that exist; returns rows added.

    One INSERT ... ON CONFLICT DO NOTHING ... RETURNING executed for all the rows:
    SQLAlchemy compiles it once and sends the rows as multi-row statements of its
    own paging. (Building a multi-VALUES statement per chunk instead compiled 6,000
    parameters each time: a 100,000-athlete broadcast took half a minute to queue.)
    """
    if not rows:
        return 0
    dialect = session.bind.dialect.name
    if dialect not in ("sqlite", "postgresql"):  # pragma: no cover - only these are supported
        raise NotImplementedError(dialect)
    dialect_insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    statement = dialect_insert(DELIVERY).on_conflict_do_nothing().returning(DELIVERY.c.id)
    result = await session.execute(statement, list(rows))
    return len(result.all())


async def insert_one(session: AsyncSession, row: dict[str, Any]) -> bool:
    """Insert one delivery unless it exists; True if it was added."""
    return await insert(session, [row]) == 1


async def cancel(session: AsyncSession, kind: str, ref_id: int, now: dt.datetime) -> int:
    """Cancel what has not been attempted yet of one kind and reference; returns how many."""
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.kind == kind,
            Delivery.ref_id == ref_id,
            Delivery.status.in_((Status.PENDING, Status.CLAIMED)),
        )
        .values(status=Status.CANCELLED, finished_at=now, claimed_by=None, lease_until=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def erase_for(session: AsyncSession, athlete_id: int) -> int:
    """Remove an athlete's deliveries (their erasure)."""
    result = await session.execute(delete(Delivery).where(Delivery.athlete_id == athlete_id))
    return int(result.rowcount)  # type: ignore[attr-defined]


# --------------------------------------------------------------------- sending


async def claim(
    session: AsyncSession,
    now: dt.datetime,
    batch: int,
    claimer: str,
    lease: dt.timedelta = DEFAULT_LEASE,
    kinds: Iterable[str] | None = None,
) -> list[Delivery]:
    """Lease up to `batch` due rows to `claimer` (commit before sending them), oldest first.

    One UPDATE ... RETURNING of the rows a subquery picks (`FOR UPDATE SKIP LOCKED`
    on PostgreSQL, so instances claiming at once take different rows; SQLite has one
    writer at a time): no round trip to load them and another to lease them.
    """
    due = (
        select(Delivery.id)
        .where(Delivery.status == Status.PENDING, Delivery.not_before <= now)
        .order_by(Delivery.not_before, Delivery.id)
        .limit(batch)
    )
    if kinds is not None:
        due = due.where(Delivery.kind.in_(list(kinds)))
    if session.bind.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    leased = (
        update(Delivery)
        .where(Delivery.id.in_(due.scalar_subquery()), Delivery.status == Status.PENDING)
        .values(
            status=Status.CLAIMED,
            claimed_at=now,
            claimed_by=claimer,
            lease_until=utcnow() + lease,
        )
        .returning(Delivery)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    rows = list((await session.scalars(leased)).all())
    rows.sort(key=lambda delivery: (delivery.not_before, delivery.id))
    return rows


async def start_attempts(
    session: AsyncSession, ids: Sequence[int], claimer: str, lease: dt.timedelta = DEFAULT_LEASE
) -> set[int]:
    """Mark the rows about to be sent; returns those still leased to `claimer`.

    Commit this before sending: from here on a crash leaves the row `sending`,
    which its lease turns into `unknown` rather than sending it twice.
    """
    if not ids:
        return set()
    wall = utcnow()
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.id.in_(list(ids)),
            Delivery.status == Status.CLAIMED,
            Delivery.claimed_by == claimer,
        )
        .values(
            status=Status.SENDING,
            attempted_at=wall,
            lease_until=wall + lease,
            attempts=Delivery.attempts + 1,
        )
        .returning(Delivery.id)
    )
    return set(result.scalars().all())


async def renew(session: AsyncSession, claimer: str, lease: dt.timedelta = DEFAULT_LEASE) -> int:
    """Extend the leases of everything `claimer` holds (it is alive and still working)."""
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.claimed_by == claimer,
            Delivery.status.in_((Status.CLAIMED, Status.SENDING)),
        )
        .values(lease_until=utcnow() + lease)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def release(session: AsyncSession, claimer: str, ids: Sequence[int] | None = None) -> int:
    """Give back rows `claimer` leased but never attempted (it is pausing or stopping)."""
    query = update(Delivery).where(
        Delivery.claimed_by == claimer, Delivery.status == Status.CLAIMED
    )
    if ids is not None:
        query = query.where(Delivery.id.in_(list(ids)))
    result = await session.execute(
        query.values(status=Status.PENDING, claimed_by=None, lease_until=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def reap(session: AsyncSession) -> tuple[int, int]:
    """Rows whose claimer stopped renewing its lease (it died): returns (requeued, unknown).

    Never attempted → back to `pending`; attempted → `unknown`, as it may have arrived.
    """
    wall = utcnow()
    expired_lease: ColumnElement[bool] = Delivery.lease_until < wall
    requeued = await session.execute(
        update(Delivery)
        .where(Delivery.status == Status.CLAIMED, expired_lease)
        .values(status=Status.PENDING, claimed_by=None, lease_until=None)
    )
    unknown = await session.execute(
        update(Delivery)
        .where(Delivery.status == Status.SENDING, expired_lease)
        .values(
            status=Status.UNKNOWN,
            finished_at=wall,
            error="sent by an instance that stopped before recording it",
        )
    )
    return (
        int(requeued.rowcount),  # type: ignore[attr-defined]
        int(unknown.rowcount),  # type: ignore[attr-defined]
    )


def is_recordable(delivery: Delivery, claimer: str) -> bool:
    """Whether `claimer` may record the outcome of its attempt on this row.

    After its lease ran out a row is `unknown`; the real outcome, when it does
    come, is better information, so it is still recorded.
    """
    return delivery.claimed_by == claimer and delivery.status in (Status.SENDING, Status.UNKNOWN)


def finish(delivery: Delivery, status: Status, now: dt.datetime, error: str | None = None) -> None:
    delivery.status = status
    delivery.finished_at = now
    delivery.lease_until = None
    if error is not None:
        delivery.error = error[:ERROR_LENGTH]


def sent(delivery: Delivery, message_id: int | None, now: dt.datetime) -> None:
    delivery.message_id = message_id
    delivery.error = None
    finish(delivery, Status.SENT, now)


def retry_later(delivery: Delivery, not_before: dt.datetime, error: str) -> None:
    """Surely not sent: back to the queue, to be tried again from `not_before`."""
    delivery.status = Status.PENDING
    delivery.not_before = not_before
    delivery.claimed_by = None
    delivery.lease_until = None
    delivery.error = error[:ERROR_LENGTH]


def expires_at(delivery: Delivery) -> dt.datetime:
    """Until when a delivery is worth trying."""
    if delivery.expires_at is not None:
        return delivery.expires_at
    return delivery.due_at + DEFAULT_LIFETIME
