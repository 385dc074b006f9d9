"""privacy: athlete.last_seen_at, for the retention of inactive athletes' health data

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("athlete", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_athlete_last_seen_at"), ["last_seen_at"], unique=False)
    # Athletes who were here before this column existed count as seen when they joined.
    athlete = sa.table(
        "athlete",
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("last_seen_at", sa.DateTime(timezone=True)),
    )
    op.execute(
        athlete.update()
        .where(athlete.c.last_seen_at.is_(None))
        .values(last_seen_at=athlete.c.created_at)
    )


def downgrade() -> None:
    with op.batch_alter_table("athlete", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_athlete_last_seen_at"))
        batch_op.drop_column("last_seen_at")
