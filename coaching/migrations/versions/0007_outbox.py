"""outbox: group-chat posts become deliveries; leases and attempt marks; shared send pace

A delivery goes to an athlete or to a group chat (`chat_id`); it is leased to
one dispatcher (`claimed_by`, `lease_until`) and marked just before it is
attempted (`attempted_at`), so a claimer that dies gives back what it never
tried. `broadcast_chat_post` rows move into `delivery` (kind "group_post").
`send_pace` holds each sending lane's shared pace across instances.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COPY_POSTS = (
    "INSERT INTO delivery (chat_id, kind, slot, status, due_at, not_before, expires_at,"
    " attempts, ref_id, message_id, error, created_at, claimed_at, finished_at)"
    " SELECT p.chat_id, 'group_post', 'b' || p.broadcast_id, p.status, b.send_at,"
    " p.not_before, {expires}, p.attempts, p.broadcast_id, p.message_id,"
    " p.error, b.created_at, p.claimed_at, p.finished_at"
    " FROM broadcast_chat_post p JOIN broadcast b ON b.id = p.broadcast_id"
)
EXPIRES = {  # a broadcast still unsent three days after its time is dropped
    "postgresql": "b.send_at + interval '3 days'",
    "sqlite": "datetime(b.send_at, '+3 days')",
}


def upgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chat_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column("athlete_id", existing_type=sa.BigInteger(), nullable=True)
        batch_op.create_unique_constraint("uq_delivery_chat_kind_slot", ["chat_id", "kind", "slot"])
    op.execute(COPY_POSTS.replace("{expires}", EXPIRES[op.get_bind().dialect.name]))
    # A post left mid-send by the old job may have arrived: it is not resent.
    op.execute(
        "UPDATE delivery SET status = 'unknown' WHERE kind = 'group_post' AND status = 'sending'"
    )
    op.drop_table("broadcast_chat_post")
    op.create_table(
        "send_pace",
        sa.Column("lane", sa.String(length=16), nullable=False),
        sa.Column("next_free_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("lane", name=op.f("pk_send_pace")),
    )


def downgrade() -> None:
    op.drop_table("send_pace")
    op.create_table(
        "broadcast_chat_post",
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcast.id"],
            name=op.f("fk_broadcast_chat_post_broadcast_id_broadcast"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("broadcast_id", "chat_id", name=op.f("pk_broadcast_chat_post")),
    )
    op.create_index(
        "ix_broadcast_chat_post_status_not_before",
        "broadcast_chat_post",
        ["status", "not_before"],
        unique=False,
    )
    op.execute(
        "INSERT INTO broadcast_chat_post (broadcast_id, chat_id, status, not_before, attempts,"
        " message_id, error, claimed_at, finished_at)"
        " SELECT ref_id, chat_id, CASE WHEN status = 'claimed' THEN 'pending' ELSE status END,"
        " not_before, attempts, message_id, error, claimed_at, finished_at"
        " FROM delivery WHERE kind = 'group_post'"
    )
    op.execute("DELETE FROM delivery WHERE kind = 'group_post' OR athlete_id IS NULL")
    op.execute("UPDATE delivery SET status = 'pending' WHERE status = 'claimed'")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_constraint("uq_delivery_chat_kind_slot", type_="unique")
        batch_op.alter_column("athlete_id", existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_column("attempted_at")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("chat_id")
