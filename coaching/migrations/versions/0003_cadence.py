"""cadence_run: cadence figures from the athlete's FIT/GPX/TCX files

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cadence_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.BigInteger(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("sport", sa.String(length=32), nullable=True),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column("avg_cadence_spm", sa.Float(), nullable=False),
        sa.Column("share_in_target", sa.Float(), nullable=False),
        sa.Column("assumed_unit", sa.String(length=8), nullable=False),
        sa.Column("unit_from_range", sa.Boolean(), nullable=False),
        sa.Column("pace_bands", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athlete.id"],
            name=op.f("fk_cadence_run_athlete_id_athlete"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cadence_run")),
    )
    with op.batch_alter_table("cadence_run", schema=None) as batch_op:
        batch_op.create_index(
            "uq_cadence_run_athlete_started", ["athlete_id", "started_at"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("cadence_run", schema=None) as batch_op:
        batch_op.drop_index("uq_cadence_run_athlete_started")
    op.drop_table("cadence_run")
