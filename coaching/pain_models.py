"""The pain reports athletes make through "Something hurts": health data, like a self-test.

A row keeps the triage answers, the outcome the athlete was given and, for a
red flag, until when strength nudges are paused. It belongs to the athlete
(a foreign key to `athlete.id`), so the privacy walk exports and erases it
with everything else; it is stored only with consent (`coaching.pain`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from coaching.base import Base, UTCDateTime, utcnow


class PainReport(Base):
    """One answered triage: where, how bad, which red flags, and what the athlete was told."""

    __tablename__ = "pain_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    area: Mapped[str] = mapped_column(String(12))
    score: Mapped[int] = mapped_column(SmallInteger)
    answers: Mapped[dict[str, str]] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(20))
    red_flag: Mapped[bool] = mapped_column(Boolean)
    # Strength check-ins and strength tips wait until then (red flags only).
    paused_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
