"""coach console: a coach's own settings (time zone, name, digest) and relayed replies

A coach's time zone came from their athlete profile, so a coach who never
onboarded as an athlete scheduled in UTC; `coach_settings` holds it apart.
`relayed_message` records which athlete replied to which broadcast, and the
coach's answers, holding a text only while it is on its way.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "coach_settings",
        sa.Column("coach_id", sa.BigInteger(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("display_name", sa.String(length=128), nullable=False),
        sa.Column("digest_enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("next_digest_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coach_id"],
            ["coach.user_id"],
            name=op.f("fk_coach_settings_coach_id_coach"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("coach_id", name=op.f("pk_coach_settings")),
    )
    with op.batch_alter_table("coach_settings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_coach_settings_next_digest_at"), ["next_digest_at"], unique=False
        )
    op.create_table(
        "relayed_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.BigInteger(), nullable=False),
        sa.Column("athlete_id", sa.BigInteger(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=True),
        sa.Column("to_coach", sa.Boolean(), nullable=False),
        sa.Column("text_html", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athlete.id"],
            name=op.f("fk_relayed_message_athlete_id_athlete"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcast.id"],
            name=op.f("fk_relayed_message_broadcast_id_broadcast"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["coach_id"],
            ["coach.user_id"],
            name=op.f("fk_relayed_message_coach_id_coach"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relayed_message")),
    )
    with op.batch_alter_table("relayed_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_relayed_message_athlete_id"), ["athlete_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_relayed_message_broadcast_id"), ["broadcast_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_relayed_message_coach_id"), ["coach_id"], unique=False)


def downgrade() -> None:
    op.drop_table("relayed_message")
    op.drop_table("coach_settings")
