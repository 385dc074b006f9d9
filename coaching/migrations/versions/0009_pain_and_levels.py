"""pain_report and exercise_level: "Something hurts" answers and strength levels

`pain_report` keeps each answered pain triage (health data, stored with
consent): where, how bad, the answers, the outcome given, and until when a
red flag pauses strength check-ins and tips. `exercise_level` keeps each
athlete's level (bodyweight, dumbbell/kettlebell, barbell) per strength exercise.
Both belong to the athlete through a foreign key, so export and erasure find them.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pain_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("area", sa.String(length=12), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("red_flag", sa.Boolean(), nullable=False),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athlete.id"],
            name=op.f("fk_pain_report_athlete_id_athlete"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pain_report")),
    )
    with op.batch_alter_table("pain_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pain_report_athlete_id"), ["athlete_id"], unique=False)
    op.create_table(
        "exercise_level",
        sa.Column("athlete_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("exercise_id", sa.String(length=40), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athlete.id"],
            name=op.f("fk_exercise_level_athlete_id_athlete"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("athlete_id", "exercise_id", name=op.f("pk_exercise_level")),
    )


def downgrade() -> None:
    op.drop_table("exercise_level")
    with op.batch_alter_table("pain_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pain_report_athlete_id"))
    op.drop_table("pain_report")
