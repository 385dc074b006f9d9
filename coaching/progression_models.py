"""Each athlete's level per strength exercise: bodyweight, dumbbell/kettlebell, barbell.

No row means the default level (`coaching.progression.DEFAULT_LEVEL`); a row
is written when the athlete moves up or down, with when, so the next offer to
move up waits until they have trained at the new level for a while.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from coaching.base import Base, UTCDateTime, utcnow


class ExerciseLevel(Base):
    """The level (0 bodyweight, 1 dumbbell or kettlebell, 2 barbell) an athlete lifts at."""

    __tablename__ = "exercise_level"

    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    exercise_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
