"""The reminder tables: what each athlete wants, when their next one is due, what they answered.

`reminder_settings` holds, per athlete, their preferences and *when the next
one of each kind is due* (`next_*_at`, UTC, indexed): the planner only ever
asks the database "whose next tip is due?", so its cost does not grow with the
number of athletes. The due occurrences themselves are outbox rows
(`coaching.outbox`); a warm-up acknowledgement or a check-in points back at
the delivery it answers, by table name, so this module needs only the base.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Time,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from coaching.base import Base, UTCDateTime, utcnow

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

    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


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
