"""person keys: group_chat.linked_by may be NULL, so erasing the coach who linked a
chat clears their id (coaching.privacy.PERSON_MENTIONS) instead of leaving it behind

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # On SQLite this rebuilds group_chat; no table references it, so nothing cascades.
    with op.batch_alter_table("group_chat", schema=None) as batch_op:
        batch_op.alter_column("linked_by", existing_type=sa.BigInteger(), nullable=True)


def downgrade() -> None:
    group_chat = sa.table("group_chat", sa.column("linked_by", sa.BigInteger()))
    op.execute(group_chat.update().where(group_chat.c.linked_by.is_(None)).values(linked_by=0))
    with op.batch_alter_table("group_chat", schema=None) as batch_op:
        batch_op.alter_column("linked_by", existing_type=sa.BigInteger(), nullable=False)
