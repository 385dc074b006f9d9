"""The athlete and their self-tests: who talks to the bot and what they found."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Time,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from coaching.base import Base, UTCDateTime, utcnow


class Athlete(Base):
    """A Telegram user who talks to the bot; the id is their numeric Telegram id."""

    __tablename__ = "athlete"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(64), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    source: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    consent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    onboarding_step: Mapped[str | None] = mapped_column(String(16))
    onboarded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    timezone: Mapped[str | None] = mapped_column(String(64))
    run_days_mask: Mapped[int] = mapped_column(SmallInteger, default=0)
    run_time: Mapped[dt.time | None] = mapped_column(Time)
    triathlete: Mapped[bool | None] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # When the athlete last sent us anything: the retention job purges the health
    # data of athletes silent for longer than RETENTION_MONTHS (migration 0005).
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)

    @property
    def run_days(self) -> list[int]:
        """Weekdays the athlete runs on, Monday = 0."""
        return [day for day in range(7) if self.run_days_mask & (1 << day)]


class SelftestSession(Base):
    """An athlete's walk through the self-test; the only place its progress lives."""

    __tablename__ = "selftest_session"
    __table_args__ = (
        Index(
            "uq_selftest_session_one_active",
            "athlete_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="active")
    step_index: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    content_version: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Two instances answering the same session at once: the second write fails
    # instead of silently overwriting the first (optimistic locking).
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class SelftestResult(Base):
    """Findings of one completed self-test, kept for the athlete's history and trends."""

    __tablename__ = "selftest_result"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("selftest_session.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    content_version: Mapped[str] = mapped_column(String(32))
    answers: Mapped[dict[str, str]] = mapped_column(JSON)
    scores: Mapped[dict[str, int]] = mapped_column(JSON)
    findings: Mapped[dict[str, str]] = mapped_column(JSON)
    retest_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
