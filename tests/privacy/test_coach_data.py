"""A coach's records are personal data: exported, and erased without leaving their athletes
pointing at nothing, even for a coach who never used the athlete side."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from coaching import broadcasts, coaches, outbox, privacy
from coaching.broadcasts import Audience
from coaching.coach_models import Broadcast, Coach, GroupChat, GroupMembership, TrainingGroup
from coaching.db import Database
from coaching.models import Athlete
from coaching.outbox import Delivery, Kind, Status
from tests.athletes import add_athlete
from tests.privacy.dbcheck import NOW, foreign_key_orphans, references_to

CARL, ANN, BOB, DORA = 616161003, 424242001, 535353002, 727272004
CHAT = -100777


async def coach_with_group(db: Database, coach_id: int = CARL) -> int:
    """A coach (admin, no athlete profile) whose group has Ann and Bob, a linked chat,
    an invite, a draft and one broadcast sent to Ann (Bob's copy still pending)."""
    await add_athlete(db, ANN, NOW)
    await add_athlete(db, BOB, NOW)
    async with db.transaction() as session:
        role = await coaches.authorise(session, {coach_id}, coach_id)
        assert role is not None
        group = await coaches.create_group(session, role, "Hills", NOW)
        for athlete in (ANN, BOB):
            await coaches.join_group(session, group, athlete, NOW)
        await coaches.link_chat(session, group, CHAT, "Club", coach_id)
        await coaches.create_invite(session, role, NOW)
        draft = await broadcasts.start_draft(session, role, NOW)
        broadcasts.set_text(draft, "Hills at <b>19</b>", NOW)
        await broadcasts.choose_audience(session, role, draft, Audience.GROUP, str(group.id), NOW)
        broadcast = await broadcasts.confirm(session, role, draft, NOW)
        await broadcasts.start_draft(session, role, NOW)  # the next one, half written
        sent = await session.scalar(
            select(Delivery).where(Delivery.ref_id == broadcast.id, Delivery.athlete_id == ANN)
        )
        assert sent is not None
        sent.status = Status.SENT
        return group.id


async def test_a_coach_without_a_profile_is_someone_we_hold_data_about(db: Database) -> None:
    await coach_with_group(db)
    async with db.transaction() as session:
        found = await privacy.held(session, CARL)
        assert found == privacy.Held(athlete=False, coach=True, groups=1, members=2)
        assert await privacy.held(session, DORA) is None
        assert await privacy.held(session, ANN) == privacy.Held(athlete=True, coach=False)


async def test_a_coachs_export_lists_their_records_and_no_athletes_data(db: Database) -> None:
    group_id = await coach_with_group(db)
    async with db.transaction() as session:
        exported = await privacy.export(session, CARL, NOW)
    assert exported is not None
    assert exported["athlete"] is None
    rows = exported["tables"]
    assert [row["user_id"] for row in rows["coach"]] == [CARL]
    assert [(row["id"], row["name"]) for row in rows["training_group"]] == [(group_id, "Hills")]
    assert [row["chat_id"] for row in rows["group_chat"]] == [CHAT]
    assert [row["text_html"] for row in rows["broadcast"]] == ["Hills at <b>19</b>"]
    assert len(rows["broadcast_draft"]) == 1 and len(rows["coach_invite"]) == 1
    # The members' memberships and copies of the broadcast are theirs, not the coach's.
    assert rows["group_membership"] == [] and rows["delivery"] == []
    assert str(ANN) not in json.dumps(exported) and str(BOB) not in json.dumps(exported)


async def test_erasing_a_coach_takes_their_groups_and_members_just_leave(db: Database) -> None:
    await coach_with_group(db)
    async with db.transaction() as session:
        assert await privacy.erase(session, CARL, NOW)
    async with db.transaction() as session:
        assert await references_to(session, CARL) == []
        assert await foreign_key_orphans(session) == []
        for table in (Coach, TrainingGroup, GroupMembership, GroupChat, Broadcast):
            count = await session.scalar(select(func.count()).select_from(table))
            assert count == 0, table.__tablename__
        # The athletes stay, with their own data; the pending copy is cancelled, the
        # delivered one stays the recipient's record.
        assert await session.get(Athlete, ANN) is not None
        assert await session.get(Athlete, BOB) is not None
        copies = await session.execute(
            select(Delivery.athlete_id, Delivery.chat_id, Delivery.status)
            .where(Delivery.kind.in_([Kind.BROADCAST, Kind.GROUP_POST]))
            .order_by(Delivery.id)
        )
        assert copies.tuples().all() == [
            (ANN, None, Status.SENT),
            (BOB, None, Status.CANCELLED),
            (None, CHAT, Status.CANCELLED),
        ]
        assert await privacy.held(session, CARL) is None
        assert await privacy.export(session, CARL) is None
        assert not await privacy.erase(session, CARL, NOW)


async def test_erasing_an_athlete_who_also_coaches_takes_both_sides(db: Database) -> None:
    """Dora runs and coaches: one erasure, and her own membership elsewhere goes too."""
    await add_athlete(db, DORA, NOW)
    await coach_with_group(db, coach_id=DORA)
    async with db.transaction() as session:
        carl = await coaches.authorise(session, {CARL}, CARL)
        assert carl is not None
        other = await coaches.create_group(session, carl, "Carl's", NOW)
        await coaches.join_group(session, other, DORA, NOW)
        assert await privacy.held(session, DORA) == privacy.Held(
            athlete=True, coach=True, groups=1, members=2
        )
    async with db.transaction() as session:
        assert await privacy.erase(session, DORA, NOW)
    async with db.transaction() as session:
        assert await references_to(session, DORA) == []
        assert await foreign_key_orphans(session) == []
        members = await session.scalars(select(GroupMembership.group_id))
        assert list(members) == []
        assert await session.get(TrainingGroup, other.id) is not None


async def test_erasing_a_coach_takes_what_was_addressed_to_their_own_chat(db: Database) -> None:
    """A coach's digest and the replies relayed to them are deliveries to their chat
    (`chat_id`), not to an athlete: they are the coach's and go with them."""
    await coach_with_group(db)
    async with db.transaction() as session:
        for kind, slot in ((Kind.DIGEST, "2026-W10"), (Kind.RELAY, "relay-1")):
            row = outbox.planned(kind, slot, NOW, NOW, chat_id=CARL, payload={"text": "x"})
            assert await outbox.insert_one(session, row)
        found = await privacy.export(session, CARL)
        assert found is not None and '"digest"' in json.dumps(found, default=str)
    async with db.transaction() as session:
        assert await privacy.erase(session, CARL, NOW)
    async with db.transaction() as session:
        left = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.chat_id == CARL)
        )
        assert left == 0
        assert await privacy.held(session, CARL) is None
