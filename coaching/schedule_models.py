"""Tables for scheduled work: reminder preferences, deliveries, and the answers they collect.

`reminder_settings` holds, per athlete, what they want and *when the next one
is due* (`next_*_at`, UTC, indexed): the planner only ever asks the database
"whose next tip is due?", so its cost does not grow with the number of
athletes. Each due occurrence becomes one `delivery` row, unique on
(athlete, kind, slot), so planning twice, or on two instances, is harmless.
Coach broadcasts will be deliveries too (kind "broadcast", `ref_id` = the
broadcast), which is why `payload` and `ref_id` are nullable and generic.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Time,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from coaching.models import Base, UTCDateTime, utcnow

DEFAULT_TIP_WEEKDAY = 0  # Monday
DEFAULT_TIP_TIME = dt.time(8, 0)
DEFAULT_WARMUP_LEAD_MINUTES = 45
DEFAULT_CHECKIN_WEEKDAY = 6  # Sunday
DEFAULT_CHECKIN_TIME = dt.time(18, 0)


class ReminderSettings(Base):
    """One athlete's reminder preferences and the next due instant of each kind."""

    __tablename__ = "reminder_settings"

    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    tips_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    tip_weekday: Mapped[int] = mapped_column(SmallInteger, default=DEFAULT_TIP_WEEKDAY)
    tip_time: Mapped[dt.time] = mapped_column(Time, default=DEFAULT_TIP_TIME)
    warmups_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    warmup_lead_minutes: Mapped[int] = mapped_column(
        SmallInteger, default=DEFAULT_WARMUP_LEAD_MINUTES
    )
    checkins_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    checkin_weekday: Mapped[int] = mapped_column(SmallInteger, default=DEFAULT_CHECKIN_WEEKDAY)
    checkin_time: Mapped[dt.time] = mapped_column(Time, default=DEFAULT_CHECKIN_TIME)
    retest_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    # Paused until /resume (paused, no end), or until an instant (paused_until).
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    paused_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    next_tip_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    next_warmup_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    next_checkin_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)

    # The athlete's schedule the next_* instants were computed from; when /start
    # edits the profile these differ and the planner recomputes.
    computed_timezone: Mapped[str | None] = mapped_column(String(64))
    computed_run_days_mask: Mapped[int] = mapped_column(SmallInteger, default=0)
    computed_run_time: Mapped[dt.time | None] = mapped_column(Time)

    # /settings waiting for typed input (e.g. "tz", "run_time", "tip_time"), kept
    # here rather than in memory so any instance can take the answer.
    draft: Mapped[str | None] = mapped_column(String(16))
    draft_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(Base):
    """One message to send to one athlete at one time, and what became of it.

    `slot` names the occurrence (the local occurrence's UTC instant in ISO form,
    or an id), so the same occurrence can never be planned twice. `due_at` is
    when it was meant for; `not_before` when it may next be tried (later than
    `due_at` after a 429); past `expires_at` it is dropped as `expired`.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("athlete_id", "kind", "slot", name="uq_delivery_athlete_kind_slot"),
        Index("ix_delivery_status_not_before", "status", "not_before"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    slot: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    not_before: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ref_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class TipSent(Base):
    """Which tip an athlete has had, so tips do not repeat until the pool is used up."""

    __tablename__ = "tip_sent"

    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    tip_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WarmupAck(Base):
    """An athlete's answer to a warm-up reminder: done it, or skipping today."""

    __tablename__ = "warmup_ack"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("delivery.id", ondelete="CASCADE"), unique=True
    )
    run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[str] = mapped_column(String(8))
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Checkin(Base):
    """The weekly strength check-in: sessions done (0, 1, 2 = two or more) and swimming."""

    __tablename__ = "checkin"
    __table_args__ = (UniqueConstraint("athlete_id", "week_start", name="uq_checkin_athlete_week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    week_start: Mapped[dt.date] = mapped_column(Date)
    strength_sessions: Mapped[int] = mapped_column(SmallInteger)
    swam: Mapped[bool | None] = mapped_column(Boolean)
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("delivery.id", ondelete="SET NULL"))
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
