"""coaches: coach, coach_invite, training_group, group_membership, group_chat,
broadcast, broadcast_chat_post, broadcast_draft

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "coach",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("via", sa.String(length=8), nullable=False),
        sa.Column("invited_by", sa.BigInteger(), nullable=True),
        _when("created_at"),
        _when("revoked_at", nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_coach")),
    )
    op.create_table(
        "coach_invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        _when("created_at"),
        _when("expires_at"),
        sa.Column("used_by", sa.BigInteger(), nullable=True),
        _when("used_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["coach.user_id"],
            name=op.f("fk_coach_invite_created_by_coach"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coach_invite")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_coach_invite_token_hash")),
    )
    op.create_table(
        "training_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=96), nullable=False),
        sa.Column("join_code", sa.String(length=24), nullable=False),
        _when("created_at"),
        sa.ForeignKeyConstraint(
            ["coach_id"],
            ["coach.user_id"],
            name=op.f("fk_training_group_coach_id_coach"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_group")),
        sa.UniqueConstraint("join_code", name=op.f("uq_training_group_join_code")),
    )
    with op.batch_alter_table("training_group", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_group_coach_id"), ["coach_id"], unique=False)
    op.create_table(
        "group_membership",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.BigInteger(), nullable=False),
        _when("consent_at"),
        _when("joined_at"),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athlete.id"],
            name=op.f("fk_group_membership_athlete_id_athlete"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["training_group.id"],
            name=op.f("fk_group_membership_group_id_training_group"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "athlete_id", name=op.f("pk_group_membership")),
    )
    with op.batch_alter_table("group_membership", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_membership_athlete_id"), ["athlete_id"], unique=False
        )
    op.create_table(
        "group_chat",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=128), nullable=False),
        sa.Column("linked_by", sa.BigInteger(), nullable=False),
        _when("linked_at"),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["training_group.id"],
            name=op.f("fk_group_chat_group_id_training_group"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_group_chat")),
    )
    with op.batch_alter_table("group_chat", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_chat_group_id"), ["group_id"], unique=False)
    op.create_table(
        "broadcast",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.BigInteger(), nullable=False),
        sa.Column("text_html", sa.Text(), nullable=False),
        sa.Column("photo_file_id", sa.String(length=256), nullable=True),
        sa.Column("audience", sa.String(length=8), nullable=False),
        sa.Column("audience_ref", sa.String(length=40), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        _when("send_at"),
        _when("created_at"),
        _when("cancelled_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["coach_id"],
            ["coach.user_id"],
            name=op.f("fk_broadcast_coach_id_coach"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast")),
    )
    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_broadcast_coach_id"), ["coach_id"], unique=False)
    op.create_table(
        "broadcast_chat_post",
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _when("not_before"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        _when("claimed_at", nullable=True),
        _when("finished_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcast.id"],
            name=op.f("fk_broadcast_chat_post_broadcast_id_broadcast"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("broadcast_id", "chat_id", name=op.f("pk_broadcast_chat_post")),
    )
    with op.batch_alter_table("broadcast_chat_post", schema=None) as batch_op:
        batch_op.create_index(
            "ix_broadcast_chat_post_status_not_before", ["status", "not_before"], unique=False
        )
    op.create_table(
        "broadcast_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.BigInteger(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("text_html", sa.Text(), nullable=True),
        sa.Column("photo_file_id", sa.String(length=256), nullable=True),
        sa.Column("audience", sa.String(length=8), nullable=True),
        sa.Column("audience_ref", sa.String(length=40), nullable=True),
        _when("send_at", nullable=True),
        sa.Column("escaped", sa.Boolean(), server_default=sa.false(), nullable=False),
        _when("updated_at"),
        sa.ForeignKeyConstraint(
            ["coach_id"],
            ["coach.user_id"],
            name=op.f("fk_broadcast_draft_coach_id_coach"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast_draft")),
        sa.UniqueConstraint("coach_id", name=op.f("uq_broadcast_draft_coach_id")),
    )
    # Broadcast reports count deliveries by broadcast: index (kind, ref_id).
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.create_index("ix_delivery_kind_ref_id", ["kind", "ref_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_kind_ref_id")
    op.drop_table("broadcast_draft")
    with op.batch_alter_table("broadcast_chat_post", schema=None) as batch_op:
        batch_op.drop_index("ix_broadcast_chat_post_status_not_before")
    op.drop_table("broadcast_chat_post")
    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_broadcast_coach_id"))
    op.drop_table("broadcast")
    with op.batch_alter_table("group_chat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_chat_group_id"))
    op.drop_table("group_chat")
    with op.batch_alter_table("group_membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_membership_athlete_id"))
    op.drop_table("group_membership")
    with op.batch_alter_table("training_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_group_coach_id"))
    op.drop_table("training_group")
    op.drop_table("coach_invite")
    op.drop_table("coach")
