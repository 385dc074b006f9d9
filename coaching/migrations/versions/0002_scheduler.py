"""scheduler: reminder settings, deliveries, tips sent, warm-up acks, check-ins

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 11:49:59.131716
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("slot", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("ref_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athlete.id"],
            name=op.f("fk_delivery_athlete_id_athlete"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery")),
        sa.UniqueConstraint("athlete_id", "kind", "slot", name="uq_delivery_athlete_kind_slot"),
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_athlete_id"), ["athlete_id"], unique=False)
        batch_op.create_index(
            "ix_delivery_status_not_before", ["status", "not_before"], unique=False
        )

    op.create_table(
        "reminder_settings",
        sa.Column("athlete_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("tips_enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("tip_weekday", sa.SmallInteger(), nullable=False),
        sa.Column("tip_time", sa.Time(), nullable=False),
        sa.Column("warmups_enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("warmup_lead_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("checkins_enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("checkin_weekday", sa.SmallInteger(), nullable=False),
        sa.Column("checkin_time", sa.Time(), nullable=False),
        sa.Column("retest_enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("paused", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_tip_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_warmup_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_checkin_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("computed_timezone", sa.String(length=64), nullable=True),
        sa.Column("computed_run_days_mask", sa.SmallInteger(), nullable=False),
        sa.Column("computed_run_time", sa.Time(), nullable=True),
        sa.Column("draft", sa.String(length=16), nullable=True),
        sa.Column("draft_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athlete.id"],
            name=op.f("fk_reminder_settings_athlete_id_athlete"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("athlete_id", name=op.f("pk_reminder_settings")),
    )
    with op.batch_alter_table("reminder_settings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reminder_settings_next_checkin_at"), ["next_checkin_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reminder_settings_next_tip_at"), ["next_tip_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reminder_settings_next_warmup_at"), ["next_warmup_at"], unique=False
        )

    op.create_table(
        "tip_sent",
        sa.Column("athlete_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("tip_id", sa.String(length=40), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athlete.id"],
            name=op.f("fk_tip_sent_athlete_id_athlete"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("athlete_id", "tip_id", name=op.f("pk_tip_sent")),
    )
    op.create_table(
        "checkin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.BigInteger(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("strength_sessions", sa.SmallInteger(), nullable=False),
        sa.Column("swam", sa.Boolean(), nullable=True),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athlete.id"],
            name=op.f("fk_checkin_athlete_id_athlete"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["delivery.id"],
            name=op.f("fk_checkin_delivery_id_delivery"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin")),
        sa.UniqueConstraint("athlete_id", "week_start", name="uq_checkin_athlete_week"),
    )
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkin_athlete_id"), ["athlete_id"], unique=False)

    op.create_table(
        "warmup_ack",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.BigInteger(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.String(length=8), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athlete.id"],
            name=op.f("fk_warmup_ack_athlete_id_athlete"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["delivery.id"],
            name=op.f("fk_warmup_ack_delivery_id_delivery"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warmup_ack")),
        sa.UniqueConstraint("delivery_id", name=op.f("uq_warmup_ack_delivery_id")),
    )
    with op.batch_alter_table("warmup_ack", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warmup_ack_athlete_id"), ["athlete_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("warmup_ack", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warmup_ack_athlete_id"))

    op.drop_table("warmup_ack")
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_athlete_id"))

    op.drop_table("checkin")
    op.drop_table("tip_sent")
    with op.batch_alter_table("reminder_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_settings_next_warmup_at"))
        batch_op.drop_index(batch_op.f("ix_reminder_settings_next_tip_at"))
        batch_op.drop_index(batch_op.f("ix_reminder_settings_next_checkin_at"))

    op.drop_table("reminder_settings")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_status_not_before")
        batch_op.drop_index(batch_op.f("ix_delivery_athlete_id"))

    op.drop_table("delivery")
