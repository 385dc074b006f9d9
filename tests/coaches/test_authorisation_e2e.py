"""Every coach command and button refuses non-coaches and other coaches, changing nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.coach_models import (
    Broadcast,
    BroadcastDraft,
    Coach,
    CoachInvite,
    GroupChat,
    GroupMembership,
    TrainingGroup,
)
from coaching.db import Database
from coaching.outbox import Delivery
from fakeapi import FakeBotApi, FakeUser
from knowledge import KnowledgeBase
from tests.coaches.conftest import ADMIN, bot_settings
from tests.coaches.test_flow_e2e import new_group
from tests.e2e.harness import running_bot, tap_when_shown

TABLES = (Coach, CoachInvite, TrainingGroup, GroupMembership, GroupChat, Broadcast, BroadcastDraft)
COMMANDS: tuple[str, ...] = ("/invite_coach", "/newgroup Sneaky", "/groups", "/athletes", "/stats")
COMMANDS += ("/broadcast", "/broadcasts")


async def snapshot(db: Database) -> dict[str, object]:
    async with db.transaction() as session:
        state: dict[str, object] = {}
        for table in TABLES:
            rows = (await session.scalars(select(table))).all()
            state[table.__tablename__] = sorted(
                repr({c.key: getattr(r, c.key) for c in table.__table__.columns}) for r in rows
            )
        state["delivery"] = await session.scalar(select(func.count()).select_from(Delivery))
    return state


async def draft_of(session: AsyncSession, user_id: int) -> BroadcastDraft | None:
    found: BroadcastDraft | None = await session.scalar(
        select(BroadcastDraft).where(BroadcastDraft.coach_id == user_id)
    )
    return found


async def test_non_coaches_and_other_coaches_change_nothing(
    api: FakeBotApi, url: str, kb: KnowledgeBase
) -> None:
    not_allowed = kb.ui_text("coach_not_allowed", "en")
    stale = kb.ui_text("stale_button", "en")
    db = Database(url)
    async with running_bot(api, url, **bot_settings()):
        # Coach A (an admin) has a group, a sent broadcast and a draft waiting for its audience.
        coach_a = FakeUser(api, ADMIN, first_name="Aino")
        code = await new_group(coach_a, "A team")
        coach_a.send_command("/broadcast")
        await coach_a.wait_message_async(contains=kb.ui_text("broadcast_ask_text", "en")[:20])
        coach_a.send_text("first")
        await tap_when_shown(coach_a, "A team")
        await tap_when_shown(coach_a, kb.ui_text("broadcast_schedule", "en"))
        coach_a.send_text("23:58")
        await tap_when_shown(coach_a, kb.ui_text("broadcast_confirm", "en"))
        await coach_a.wait_message_async(contains="will go to")
        coach_a.send_command("/broadcast")
        await coach_a.wait_message_async(contains=kb.ui_text("broadcast_ask_text", "en")[:20])
        coach_a.send_text("second")
        await coach_a.wait_message_async(contains=kb.ui_text("broadcast_ask_audience", "en"))

        # Coach B is invited by A.
        coach_a.send_command("/invite_coach")
        invite = await coach_a.wait_message_async(contains="start=coach_")
        token = (invite.text or "").split("start=coach_", 1)[1].split()[0]
        coach_b = FakeUser(api, 7002, first_name="Bea")
        coach_b.send_command("/start", f"coach_{token}")
        await coach_b.wait_message_async(contains="You are now a coach")
        # The invite is single use.
        eve = FakeUser(api, 6666, first_name="Eve")
        eve.send_command("/start", f"coach_{token}")
        await eve.wait_message_async(contains="not valid any more")

        async with db.transaction() as session:
            group_a = await session.scalar(select(TrainingGroup.id))
            draft_a = await draft_of(session, ADMIN)
            assert draft_a is not None and group_a is not None
        draft_a_id = draft_a.id
        before = await snapshot(db)

        # A non-coach: every command is refused and changes nothing.
        for command in COMMANDS:
            name, _, payload = command.partition(" ")
            eve.send_command(name, payload or None)
            await eve.wait_message_async(contains=not_allowed)
        api.add_bot_to_group(-2002, "Eve's chat", eve)
        eve.send_command("/linkgroup", code, chat_id=-2002)
        await eve.wait_message_async(contains=not_allowed, chat_id=-2002)
        # Forged buttons from a non-coach.
        eve.send_text("hello")
        anchor = await eve.wait_message_async()
        for data in (
            f"bd:{draft_a_id}:a",
            f"bd:{draft_a_id}:x",
            "bx:1",
            f"gx:{group_a}",
            f"gl:{group_a}",
        ):
            answered = await eve.wait_callback_answered_async(eve.tap_data(anchor.message_id, data))
            assert answered.answer_text == not_allowed, data
        assert await snapshot(db) == before

        # Coach B: cannot see, export, link, broadcast to or cancel A's things.
        coach_b.send_command("/athletes")
        await coach_b.wait_message_async(contains=kb.ui_text("groups_none", "en")[:20])
        coach_b.send_command("/broadcasts")
        await coach_b.wait_message_async(contains=kb.ui_text("broadcasts_none", "en")[:20])
        coach_b.send_command("/broadcast")
        await coach_b.wait_message_async(contains=kb.ui_text("broadcast_ask_text", "en")[:20])
        coach_b.send_text("to A's athletes")
        audience = await coach_b.wait_message_async(
            contains=kb.ui_text("broadcast_ask_audience", "en")
        )
        assert "A team" not in str(audience.buttons)
        assert kb.ui_text("broadcast_to_all", "en") not in str(audience.buttons)
        async with db.transaction() as session:
            draft_b = await draft_of(session, 7002)
            assert draft_b is not None
        before_b = await snapshot(db)
        for data, answer in (
            (f"bd:{draft_b.id}:g:{group_a}", stale),  # A's group as B's audience
            (f"bd:{draft_b.id}:a", stale),  # "all subscribers" is for admins
            (f"bd:{draft_b.id}:fv:no_such_fault", stale),
            (f"bd:{draft_a_id}:m", stale),  # A's draft
            (f"bd:{draft_a_id}:x", stale),
            ("bx:1", not_allowed),  # A's broadcast
            (f"gx:{group_a}", not_allowed),  # A's group export
        ):
            answered = await coach_b.wait_callback_answered_async(
                coach_b.tap_data(audience.message_id, data)
            )
            assert answered.answer_text == answer, data
        api.add_bot_to_group(-3003, "B's chat", coach_b)
        coach_b.send_command("/linkgroup", code, chat_id=-3003)
        await coach_b.wait_message_async(
            contains=kb.ui_text("group_link_invalid", "en"), chat_id=-3003
        )
        assert await snapshot(db) == before_b
        assert not [m for m in coach_b.messages if m.kind == "document"]

    async with db.transaction() as session:
        broadcast = await session.get(Broadcast, 1)
        assert broadcast is not None and broadcast.cancelled_at is None
        assert await session.get(GroupChat, -3003) is None
        draft = await draft_of(session, ADMIN)
        assert draft is not None and draft.step == "audience"
    await db.dispose()
