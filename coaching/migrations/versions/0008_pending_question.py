"""pending_question: the one question each chat waits to have answered

Until now each flow kept what it waited for its own way: /settings in
`reminder_settings.draft`, onboarding in `athlete.onboarding_step`, a broadcast
in `broadcast_draft.step`, the self-test in its active session. `/cancel`, free
text and restarts now go through one row per chat. Every question live at the
upgrade is carried over (the most recent one where a chat had several), and
the settings draft columns, now unused, are dropped.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SETTINGS_DRAFT_LIFETIME = dt.timedelta(minutes=30)  # what /settings honoured until now
BROADCAST_DRAFT_LIFETIME = dt.timedelta(hours=24)

_when = sa.DateTime(timezone=True)
pending = sa.table(
    "pending_question",
    sa.column("chat_id", sa.BigInteger()),
    sa.column("kind", sa.String()),
    sa.column("step", sa.String()),
    sa.column("ref_id", sa.Integer()),
    sa.column("asked_at", _when),
)
athlete = sa.table(
    "athlete",
    sa.column("id", sa.BigInteger()),
    sa.column("onboarding_step", sa.String()),
    sa.column("created_at", _when),
    sa.column("last_seen_at", _when),
)
settings = sa.table(
    "reminder_settings",
    sa.column("athlete_id", sa.BigInteger()),
    sa.column("draft", sa.String()),
    sa.column("draft_at", _when),
)
session = sa.table(
    "selftest_session",
    sa.column("id", sa.Integer()),
    sa.column("athlete_id", sa.BigInteger()),
    sa.column("status", sa.String()),
    sa.column("updated_at", _when),
)
draft = sa.table(
    "broadcast_draft",
    sa.column("id", sa.Integer()),
    sa.column("coach_id", sa.BigInteger()),
    sa.column("updated_at", _when),
)


def _aware(value: Any) -> dt.datetime:
    """A stored time as aware UTC (SQLite returns it naive, or even as text)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _stored(value: dt.datetime, dialect: str) -> dt.datetime:
    return value.replace(tzinfo=None) if dialect == "sqlite" else value


def upgrade() -> None:
    op.create_table(
        "pending_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=24), nullable=True),
        sa.Column("ref_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_question")),
        sa.UniqueConstraint("chat_id", name=op.f("uq_pending_question_chat_id")),
        sqlite_autoincrement=True,
    )
    _carry_questions_over()
    with op.batch_alter_table("reminder_settings", schema=None) as batch_op:
        batch_op.drop_column("draft_at")
        batch_op.drop_column("draft")


def _carry_questions_over() -> None:
    """One question per chat from what each flow waited for; the latest asked wins."""
    bind = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    found: dict[int, tuple[dt.datetime, int, dict[str, Any]]] = {}

    def offer(chat_id: int, at: Any, rank: int, kind: str, **fields: Any) -> None:
        when = _aware(at) if at is not None else now
        best = found.get(chat_id)
        if best is None or (when, rank) > best[:2]:
            found[chat_id] = (when, rank, {"kind": kind, **fields})

    rows = bind.execute(
        sa.select(athlete.c.id, athlete.c.onboarding_step, athlete.c.last_seen_at).where(
            athlete.c.onboarding_step.is_not(None)
        )
    )
    for chat_id, step, seen in rows:
        offer(chat_id, seen, 0, "onboarding", step=step)
    rows = bind.execute(sa.select(draft.c.id, draft.c.coach_id, draft.c.updated_at))
    for draft_id, chat_id, at in rows:
        if now - _aware(at) <= BROADCAST_DRAFT_LIFETIME:
            offer(chat_id, at, 1, "broadcast", ref_id=draft_id)
    rows = bind.execute(
        sa.select(session.c.id, session.c.athlete_id, session.c.updated_at).where(
            session.c.status == "active"
        )
    )
    for session_id, chat_id, at in rows:
        offer(chat_id, at, 2, "selftest", ref_id=session_id)
    rows = bind.execute(
        sa.select(settings.c.athlete_id, settings.c.draft, settings.c.draft_at).where(
            settings.c.draft.is_not(None), settings.c.draft_at.is_not(None)
        )
    )
    for chat_id, step, at in rows:
        if now - _aware(at) <= SETTINGS_DRAFT_LIFETIME:
            offer(chat_id, at, 3, "settings", step=step)
    dialect = bind.dialect.name
    values = [
        {"chat_id": chat_id, "step": None, "ref_id": None, **fields}
        | {"asked_at": _stored(when, dialect)}
        for chat_id, (when, _, fields) in sorted(found.items())
    ]
    if values:
        bind.execute(sa.insert(pending), values)


def downgrade() -> None:
    with op.batch_alter_table("reminder_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draft", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("draft_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE reminder_settings SET"
        " draft = (SELECT p.step FROM pending_question p"
        "          WHERE p.chat_id = reminder_settings.athlete_id AND p.kind = 'settings'),"
        " draft_at = (SELECT p.asked_at FROM pending_question p"
        "             WHERE p.chat_id = reminder_settings.athlete_id AND p.kind = 'settings')"
    )
    op.drop_table("pending_question")
