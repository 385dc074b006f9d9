"""Tables for coaches: who coaches, their training groups, and what they broadcast.

A coach is a Telegram user id. Admins (`ADMIN_IDS`) are coaches by configuration
and get a `coach` row the first time they act; others become coaches through a
one-time invite (`coach_invite`, only the SHA-256 of the token is stored).
Athletes join a `training_group` through its join code and only with consent
(`group_membership.consent_at`); a Telegram group chat can be linked to a
training group (`group_chat`) so broadcasts are posted there too.

A broadcast is composed in a `broadcast_draft` (one per coach, so any instance
can take the next step), then becomes a `broadcast` and, in the same
transaction, one outbox row per athlete and one per linked group chat
(`coaching.outbox`, ref_id = the broadcast).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from coaching.base import Base, UTCDateTime, utcnow
from coaching.group_names import name_key

GROUP_NAME_MAX = 48
"""What a coach sees: grapheme clusters ("🏃‍♀️" is one), not code points."""
GROUP_NAME_STORED = 400
"""Code points a group name may take in the database: 48 clusters of several each."""
JOIN_CODE_LENGTH = 12


class Coach(Base):
    """A user allowed to coach; `via` is "admin" (ADMIN_IDS) or "invite"."""

    __tablename__ = "coach"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    via: Mapped[str] = mapped_column(String(8))
    invited_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CoachInvite(Base):
    """A one-time, expiring invitation to become a coach; the token itself is never stored."""

    __tablename__ = "coach_invite"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("coach.user_id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(BigInteger)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class TrainingGroup(Base):
    """A coach's group of athletes, joined through `?start=grp_<join_code>`.

    `name_key` is the name as compared (case folded): a coach's groups that are
    not archived have different keys. An archived group (`archived_at`) is out of
    the coach's lists and broadcast choices; its members and their data stay.
    """

    __tablename__ = "training_group"
    __table_args__ = (
        Index(
            "uq_training_group_coach_name",
            "coach_id",
            "name_key",
            unique=True,
            sqlite_where=text("archived_at IS NULL"),
            postgresql_where=text("archived_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coach_id: Mapped[int] = mapped_column(
        ForeignKey("coach.user_id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(GROUP_NAME_STORED))
    name_key: Mapped[str] = mapped_column(String(GROUP_NAME_STORED))
    join_code: Mapped[str] = mapped_column(String(JOIN_CODE_LENGTH * 2), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @validates("name")
    def _keep_key(self, _field: str, name: str) -> str:
        """Whoever sets the name sets the key it is compared by."""
        self.name_key = name_key(name)
        return name


class GroupMembership(Base):
    """An athlete in a training group, with when they agreed to share results with its coach."""

    __tablename__ = "group_membership"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("training_group.id", ondelete="CASCADE"), primary_key=True
    )
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athlete.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    consent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class GroupChat(Base):
    """A Telegram group chat (negative id) where a training group's broadcasts are posted."""

    __tablename__ = "group_chat"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("training_group.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(128), default="")
    linked_by: Mapped[int | None] = mapped_column(BigInteger)  # NULL once that coach is erased
    linked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Broadcast(Base):
    """A coach's message to an audience; its recipients are `delivery` rows with ref_id = id.

    `audience` is "group", "mine" (all the coach's groups), "all" (admins only) or
    "finding"; `audience_ref` is the group id or the fault id.
    """

    __tablename__ = "broadcast"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coach_id: Mapped[int] = mapped_column(
        ForeignKey("coach.user_id", ondelete="CASCADE"), index=True
    )
    text_html: Mapped[str] = mapped_column(Text)
    photo_file_id: Mapped[str | None] = mapped_column(String(256))
    audience: Mapped[str] = mapped_column(String(8))
    audience_ref: Mapped[str | None] = mapped_column(String(40))
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    send_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class BroadcastDraft(Base):
    """A broadcast being composed: one per coach, so the flow survives restarts.

    `step` is what the draft waits for: "text", "audience", "finding", "preview",
    "time" (typed schedule) or "confirm" (scheduled, waiting for the final yes).
    """

    __tablename__ = "broadcast_draft"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coach_id: Mapped[int] = mapped_column(
        ForeignKey("coach.user_id", ondelete="CASCADE"), unique=True
    )
    step: Mapped[str] = mapped_column(String(16))
    text_html: Mapped[str | None] = mapped_column(Text)
    photo_file_id: Mapped[str | None] = mapped_column(String(256))
    audience: Mapped[str | None] = mapped_column(String(8))
    audience_ref: Mapped[str | None] = mapped_column(String(40))
    send_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    escaped: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
