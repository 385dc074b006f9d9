"""The `video_analysis` table: the figures of one analysed running clip, never the clip.

`coaching.tables` registers it; the privacy walk finds it by its key to the athlete.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from coaching.base import Base, UTCDateTime, utcnow


class VideoAnalysis(Base):
    """Cadence always; overstride from a side view; pelvic drop from a rear view."""

    __tablename__ = "video_analysis"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    analysed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    view: Mapped[str] = mapped_column(String(8))
    """side, rear or unclear."""
    seconds: Mapped[float] = mapped_column(Float)
    """Length of clip analysed."""
    steps: Mapped[int] = mapped_column(Integer)
    """Foot contacts the cadence is based on."""
    cadence_spm: Mapped[float] = mapped_column(Float)
    overstride_legs: Mapped[float | None] = mapped_column(Float)
    """Mean heel-ahead-of-hip distance at contact, in leg lengths."""
    overstride_sd: Mapped[float | None] = mapped_column(Float)
    shin_deg: Mapped[float | None] = mapped_column(Float)
    """Mean shin angle from vertical at contact; positive: ankle ahead of knee."""
    pelvic_left_deg: Mapped[float | None] = mapped_column(Float)
    """Mean peak pelvic drop while standing on the left leg (the right hip sinks)."""
    pelvic_left_sd: Mapped[float | None] = mapped_column(Float)
    pelvic_left_n: Mapped[int | None] = mapped_column(Integer)
    pelvic_right_deg: Mapped[float | None] = mapped_column(Float)
    pelvic_right_sd: Mapped[float | None] = mapped_column(Float)
    pelvic_right_n: Mapped[int | None] = mapped_column(Integer)
    pelvic_more_on: Mapped[str | None] = mapped_column(String(8))
    """left/right: the stance leg with clearly more drop; NULL when no clear difference."""
