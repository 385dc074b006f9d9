"""Export and erasure are driven by the schema: every table, nobody else's rows."""

from __future__ import annotations

import json

from sqlalchemy import insert, select

from coaching import coaches, privacy
from coaching.coach_models import Coach, CoachInvite, GroupChat
from coaching.db import Database
from coaching.tables import metadata
from tests.privacy.dbcheck import (
    NOW,
    fill,
    foreign_key_orphans,
    references_to,
    row_counts,
)

ANN, BOB = 424242001, 535353002


async def test_export_holds_exactly_the_athletes_rows(db: Database) -> None:
    async with db.transaction() as session:
        ann_rows = await fill(session, ANN, "QQA", rows_per_table=2)
        bob_rows = await fill(session, BOB, "QQB", rows_per_table=2)
    async with db.transaction() as session:
        exported = await privacy.export(session, ANN, NOW)
    assert exported is not None
    assert exported["athlete"]["id"] == ANN
    text = json.dumps(exported)
    assert "QQB" not in text and str(BOB) not in text
    assert set(exported["tables"]) == {link.table.name for link in privacy.links()}
    for name, rows in exported["tables"].items():
        table = metadata.tables[name]
        keys = {tuple(row[c.name] for c in table.primary_key.columns) for row in rows}
        assert keys == ann_rows[name], name
        assert not keys & bob_rows[name], name
        assert rows, f"{name}: the fixture should have put Ann's data here"
    json.loads(text)  # round-trips as plain JSON


async def test_export_of_a_stranger_is_none(db: Database) -> None:
    async with db.transaction() as session:
        assert await privacy.export(session, 1) is None


async def test_erase_leaves_no_reference_and_spares_others(db: Database) -> None:
    async with db.transaction() as session:
        await fill(session, ANN, "QQA", rows_per_table=2)
        await fill(session, BOB, "QQB", rows_per_table=2)
        before = await row_counts(session)
        bob_before = await privacy.export(session, BOB)
    async with db.transaction() as session:
        assert await privacy.erase(session, ANN)
    async with db.transaction() as session:
        assert await references_to(session, ANN) == []
        assert await foreign_key_orphans(session) == []
        after = await row_counts(session)
        assert await privacy.export(session, BOB) == bob_before
        assert await privacy.export(session, ANN) is None
    for name, count in before.items():
        if name in privacy.NOT_PERSONAL:
            expected = count
        else:
            expected = count // 2 if name != "athlete" else 1
        assert after[name] == expected, name
    async with db.transaction() as session:
        assert not await privacy.erase(session, ANN)


async def test_erase_takes_rows_hanging_off_the_athletes_rows(db: Database) -> None:
    """Bob's row that points at one of Ann's (not at Ann) goes with her, not dangling."""
    async with db.transaction() as session:
        await fill(session, ANN, "QQA")
        await fill(session, BOB, "QQB")
        warmup_ack = metadata.tables["warmup_ack"]
        delivery = metadata.tables["delivery"]
        ann_delivery = await session.scalar(
            insert(delivery)
            .values(
                athlete_id=ANN,
                kind="warmup",
                slot="x",
                status="sent",
                due_at=NOW,
                not_before=NOW,
                attempts=1,
                created_at=NOW,
            )
            .returning(delivery.c.id)
        )
        await session.execute(
            insert(warmup_ack).values(
                athlete_id=BOB, delivery_id=ann_delivery, answer="done", answered_at=NOW
            )
        )
    async with db.transaction() as session:
        exported = await privacy.export(session, ANN)
        assert exported is not None
        assert all(row["athlete_id"] == ANN for row in exported["tables"]["warmup_ack"])
        await privacy.erase(session, ANN)
    async with db.transaction() as session:
        assert await foreign_key_orphans(session) == []
        left = (await session.execute(select(warmup_ack.c.delivery_id))).scalars().all()
        assert ann_delivery not in left


async def test_erase_clears_the_athlete_from_other_coaches_rows(db: Database) -> None:
    """Ann (a coach) invited Bob, used Carl's invite and linked a chat to Carl's group:
    erasing her clears her id there, and Bob's and Carl's rows stay."""
    carl_id = 616161003
    async with db.transaction() as session:
        await fill(session, ANN, "QQA")
        await fill(session, BOB, "QQB")
        carl = await coaches.authorise(session, {carl_id}, carl_id)
        assert carl is not None
        token = await coaches.create_invite(session, carl, NOW)
        invite_id = await session.scalar(
            select(CoachInvite.id).where(CoachInvite.created_by == carl_id)
        )
        invite = await session.get_one(CoachInvite, invite_id)
        invite.used_by, invite.used_at = ANN, NOW
        bob = await session.get_one(Coach, BOB)
        bob.invited_by = ANN
        group = await coaches.create_group(session, carl, "Carl's", NOW)
        await coaches.link_chat(session, group, -100777, "Club", ANN)
        assert token
    async with db.transaction() as session:
        assert await references_to(session, ANN) != []
        assert await privacy.erase(session, ANN)
    async with db.transaction() as session:
        assert await references_to(session, ANN) == []
        assert await foreign_key_orphans(session) == []
        bob = await session.get_one(Coach, BOB)
        assert bob.invited_by is None
        invite = await session.get_one(CoachInvite, invite_id)
        assert invite.used_by is None and invite.used_at is not None
        chat = await session.get_one(GroupChat, -100777)
        assert chat.linked_by is None and chat.group_id == group.id
