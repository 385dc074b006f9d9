"""The `cadence_run` table: one analysed run file per row, kept for the athlete's trend.

Only the figures are kept, never the file. `coaching.tables` registers it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from coaching.base import Base, UTCDateTime, utcnow


class CadenceRun(Base):
    """Cadence figures of one run; the same run sent twice (same start) is one row."""

    __tablename__ = "cadence_run"
    __table_args__ = (
        Index("uq_cadence_run_athlete_started", "athlete_id", "started_at", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athlete.id", ondelete="CASCADE"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(8))
    """File format: fit, gpx or tcx."""
    sport: Mapped[str | None] = mapped_column(String(32))
    duration_s: Mapped[int] = mapped_column(Integer)
    """Running time, pauses excluded."""
    distance_m: Mapped[float | None] = mapped_column(Float)
    avg_cadence_spm: Mapped[float] = mapped_column(Float)
    share_in_target: Mapped[float] = mapped_column(Float)
    """Fraction (0–1) of running time at 170–180 steps/min."""
    assumed_unit: Mapped[str] = mapped_column(String(8))
    """What the file's cadence was read as: strides or steps per minute."""
    unit_from_range: Mapped[bool] = mapped_column(Boolean, default=False)
    """True when the unit was inferred from the values (GPX/TCX), not fixed by the format."""
    pace_bands: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
