"""video analysis: the figures of running clips (cadence, overstride, pelvic drop)

Only figures are stored; the clip itself is deleted once analysed.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "video_analysis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.BigInteger(), nullable=False),
        sa.Column("analysed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("view", sa.String(length=8), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.Column("cadence_spm", sa.Float(), nullable=False),
        sa.Column("overstride_legs", sa.Float(), nullable=True),
        sa.Column("overstride_sd", sa.Float(), nullable=True),
        sa.Column("shin_deg", sa.Float(), nullable=True),
        sa.Column("pelvic_left_deg", sa.Float(), nullable=True),
        sa.Column("pelvic_left_sd", sa.Float(), nullable=True),
        sa.Column("pelvic_left_n", sa.Integer(), nullable=True),
        sa.Column("pelvic_right_deg", sa.Float(), nullable=True),
        sa.Column("pelvic_right_sd", sa.Float(), nullable=True),
        sa.Column("pelvic_right_n", sa.Integer(), nullable=True),
        sa.Column("pelvic_more_on", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athlete.id"],
            name=op.f("fk_video_analysis_athlete_id_athlete"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_analysis")),
    )
    with op.batch_alter_table("video_analysis", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_video_analysis_athlete_id"), ["athlete_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("video_analysis")
