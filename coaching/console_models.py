"""Tables of the coach's console: a coach's own settings, and relayed replies.

`coach_settings` holds what a coach has as a coach, apart from any athlete
profile they may or may not have: their time zone (every time a coach types
or reads is in it), the name athletes see on broadcasts, their language, and
when their weekly digest is next due.

`relayed_message` is one message passed between an athlete and a coach about
a broadcast: the athlete's reply going to the coach, or the coach's answer
going back. It holds who, which broadcast and which way; the text only while
it is on its way (the outbox row that carries it is `kind="relay"`,
`ref_id` = this row), and never after: a relayed conversation is the two
people's, and the bot keeps no copy of it. A coach's answer is matched to the
athlete through the relayed copy's Telegram message id, which is on that
outbox row.

Both tables hang off `coach` and `athlete` by foreign keys, so the privacy
walk exports and erases them with either person.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from coaching.base import Base, UTCDateTime, utcnow

DISPLAY_NAME_MAX = 64


class CoachSettings(Base):
    """One coach's own settings; a coach without a row uses UTC and their Telegram name."""

    __tablename__ = "coach_settings"

    coach_id: Mapped[int] = mapped_column(
        ForeignKey("coach.user_id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    timezone: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    display_name: Mapped[str] = mapped_column(String(DISPLAY_NAME_MAX * 2), default="")
    digest_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    next_digest_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RelayedMessage(Base):
    """A reply to a broadcast passed from athlete to coach (`to_coach`) or back."""

    __tablename__ = "relayed_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coach_id: Mapped[int] = mapped_column(
        ForeignKey("coach.user_id", ondelete="CASCADE"), index=True
    )
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), index=True
    )
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcast.id", ondelete="SET NULL"), index=True
    )
    to_coach: Mapped[bool] = mapped_column(Boolean)
    text_html: Mapped[str | None] = mapped_column(Text)
    """The message while it is on its way; cleared once its delivery is settled."""
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
