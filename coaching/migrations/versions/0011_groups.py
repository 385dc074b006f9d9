"""groups: names unique per coach (case-insensitive) and archived groups

`training_group.name_key` is the name as compared (Unicode case folding of the
NFC form); a partial unique index keeps the keys of a coach's groups that are
not archived apart. `archived_at` takes a group out of the coach's lists and
broadcast choices without touching its members. Names are counted by what a
coach sees (grapheme clusters), so the column holds more code points than the
48 clusters allowed.

Groups made before this revision may share a name: the later ones are renamed
"Name (2)", "Name (3)"… in order of creation, so the index can be built.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STORED = 400


def _key(name: str) -> str:
    """The comparison key as this revision defines it (kept here: a migration is frozen)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def _fill_keys() -> None:
    """Every group's key, renaming a coach's later groups whose name is already taken."""
    groups = sa.table(
        "training_group",
        sa.column("id", sa.Integer()),
        sa.column("coach_id", sa.BigInteger()),
        sa.column("name", sa.String()),
        sa.column("name_key", sa.String()),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(groups.c.id, groups.c.coach_id, groups.c.name).order_by(groups.c.id)
    ).all()
    taken: dict[int, set[str]] = {}
    for group_id, coach_id, name in rows:
        keys = taken.setdefault(coach_id, set())
        new_name, number = name, 1
        while _key(new_name) in keys:
            number += 1
            new_name = f"{name} ({number})"
        keys.add(_key(new_name))
        connection.execute(
            groups.update()
            .where(groups.c.id == group_id)
            .values(name=new_name, name_key=_key(new_name))
        )


def upgrade() -> None:
    with op.batch_alter_table("training_group", schema=None) as batch_op:
        batch_op.alter_column(
            "name",
            existing_type=sa.String(length=96),
            type_=sa.String(length=STORED),
            existing_nullable=False,
        )
        batch_op.add_column(sa.Column("name_key", sa.String(length=STORED), nullable=True))
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    _fill_keys()
    with op.batch_alter_table("training_group", schema=None) as batch_op:
        batch_op.alter_column("name_key", existing_type=sa.String(length=STORED), nullable=False)
        batch_op.create_index(
            "uq_training_group_coach_name",
            ["coach_id", "name_key"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("training_group", schema=None) as batch_op:
        batch_op.drop_index("uq_training_group_coach_name")
        batch_op.drop_column("archived_at")
        batch_op.drop_column("name_key")
        batch_op.alter_column(
            "name",
            existing_type=sa.String(length=STORED),
            type_=sa.String(length=96),
            existing_nullable=False,
        )
