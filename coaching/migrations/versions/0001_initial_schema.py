"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 11:45:27.447255
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "athlete",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_name", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("onboarding_step", sa.String(length=16), nullable=True),
        sa.Column("onboarded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("run_days_mask", sa.SmallInteger(), nullable=False),
        sa.Column("run_time", sa.Time(), nullable=True),
        sa.Column("triathlete", sa.Boolean(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_athlete")),
    )
    op.create_table(
        "selftest_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("content_version", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athlete.id"],
            name=op.f("fk_selftest_session_athlete_id_athlete"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selftest_session")),
    )
    with op.batch_alter_table("selftest_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_selftest_session_athlete_id"), ["athlete_id"], unique=False
        )
        batch_op.create_index(
            "uq_selftest_session_one_active",
            ["athlete_id"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )

    op.create_table(
        "selftest_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.BigInteger(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_version", sa.String(length=32), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("retest_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athlete.id"],
            name=op.f("fk_selftest_result_athlete_id_athlete"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["selftest_session.id"],
            name=op.f("fk_selftest_result_session_id_selftest_session"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selftest_result")),
    )
    with op.batch_alter_table("selftest_result", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_selftest_result_athlete_id"), ["athlete_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_selftest_result_retest_due_at"), ["retest_due_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("selftest_result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_selftest_result_retest_due_at"))
        batch_op.drop_index(batch_op.f("ix_selftest_result_athlete_id"))

    op.drop_table("selftest_result")
    with op.batch_alter_table("selftest_session", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_selftest_session_one_active",
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )
        batch_op.drop_index(batch_op.f("ix_selftest_session_athlete_id"))

    op.drop_table("selftest_session")
    op.drop_table("athlete")
