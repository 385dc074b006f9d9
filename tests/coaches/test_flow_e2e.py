"""A coach creates a group, an athlete joins with consent, the coach broadcasts to it."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching import outbox
from coaching.coach_models import (
    Broadcast,
    BroadcastDraft,
    GroupChat,
    GroupMembership,
)
from coaching.db import Database
from coaching.outbox import Delivery
from fakeapi import FakeBotApi, FakeUser
from knowledge import KnowledgeBase
from tests.coaches.conftest import ADMIN, bot_settings
from tests.e2e.harness import running_bot, tap_when_shown
from tests.waits import wait_db


def text(kb: KnowledgeBase, key: str) -> str:
    return kb.ui_text(key, "en")


async def new_group(coach: FakeUser, name: str) -> str:
    """Create a group; its join code, read from the join link."""
    coach.send_command("/newgroup", name)
    created = await coach.wait_message_async(contains="start=grp_")
    assert created.text is not None
    return created.text.split("start=grp_", 1)[1].split()[0]


async def test_group_join_preview_confirm_and_report(
    api: FakeBotApi, url: str, kb: KnowledgeBase
) -> None:
    db = Database(url)
    async with running_bot(api, url, **bot_settings()):
        coach = FakeUser(api, ADMIN, first_name="Coach")
        code = await new_group(coach, "Tuesday <Hills> & co")
        shown = coach.last_message
        assert shown is not None and "Tuesday &lt;Hills&gt; &amp; co" in (shown.raw_text or "")

        ann = FakeUser(api, 2001, first_name="Ann")
        ann.send_command("/start", f"grp_{code}")
        await tap_when_shown(ann, text(kb, "group_join_yes"))
        await ann.wait_message_async(contains="Tuesday <Hills> & co")
        await ann.wait_message_async(contains=text(kb, "consent_question")[:20])
        bob = FakeUser(api, 2002, first_name="Bob")
        bob.send_command("/start", f"grp_{code}")
        await tap_when_shown(bob, text(kb, "group_join_no"))

        api.add_bot_to_group(-1001, "Club chat", coach)
        await coach.wait_message_async(contains=text(kb, "group_chat_pick")[:20], chat_id=-1001)
        await tap_when_shown_in(coach, "Tuesday <Hills> & co", -1001)
        await coach.wait_message_async(contains="broadcasts of", chat_id=-1001)

        coach.send_command("/broadcast")
        await coach.wait_message_async(contains=text(kb, "broadcast_ask_text")[:20])
        coach.send_text("<b>Hills</b> moved to 19:00, bring <i>water</i>")
        await tap_when_shown(coach, "Tuesday <Hills> & co")
        summary = await coach.wait_message_async(contains="Recipients: 1 athlete, 1 group chat")
        assert any("<b>Hills</b>" in (m.raw_text or "") for m in coach.messages), (
            "the preview shows the message as it will be sent"
        )
        async with db.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(Broadcast)) == 0
        await coach.wait_callback_answered_async(
            coach.tap(text(kb, "broadcast_send_now"), in_message=summary)
        )
        await coach.wait_message_async(contains="is being sent to 2 recipients")
        assert not any("Nobody would get this" in (m.text or "") for m in coach.messages)

        got = await ann.wait_message_async(contains="Hills")
        assert got.message.raw_text == (
            "📣 <b>Coach Coach</b> · Tuesday &lt;Hills&gt; &amp; co\n\n"
            "<b>Hills</b> moved to 19:00, bring <i>water</i>"
        ), "under a header naming the coach (noted by any coach command) and the group"
        await coach.wait_message_async(contains="Hills", chat_id=-1001)
        assert not [m for m in bob.messages if "moved to 19:00" in (m.text or "")]

        async def finished(session: AsyncSession) -> bool:
            pending: int | None = await session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.status.in_(outbox.WAITING))
            )
            return pending == 0

        await wait_db(db, finished, "the broadcast to finish")
        coach.send_command("/broadcasts")
        report = await coach.wait_message_async(contains="#1")
        listed = report.text or ""
        assert "athletes 1: sent 1, pending 0, failed 0, blocked 0" in listed
        assert "group chats 1: sent 1, pending 0, failed 0" in listed, "counted apart"

        # Stale: tapping "Send now" again finds no draft and sends nothing more.
        send_now = next(d for row in summary.buttons for t, d in row if t.startswith("Send"))
        answered = await coach.wait_callback_answered_async(
            coach.tap_data(summary.message_id, str(send_now))
        )
        assert answered.answer_text == text(kb, "stale_button")

        # Overview and CSV export.
        coach.send_command("/athletes")
        overview = await coach.wait_message_async(contains="1 in the list")
        assert "1. Ann · test — · — · strength 0/4" in (overview.text or "")
        await coach.wait_callback_answered_async(
            coach.tap(text(kb, "athletes_export"), in_message=overview)
        )
        document = await coach.wait_message_async(predicate=lambda e: e.message.kind == "document")
        assert document.message.data is not None
        rows = list(csv.reader(io.StringIO(document.message.data.decode())))
        assert rows[0][:2] == ["athlete_id", "name"] and rows[1][:2] == ["2001", "Ann"]

        coach.send_command("/stats")
        stats = await coach.wait_message_async(contains="Groups: 1")
        assert "Athletes in them: 1" in (stats.text or "")

    async with db.transaction() as session:
        members = (await session.scalars(select(GroupMembership))).all()
        assert [(m.athlete_id, m.consent_at is not None) for m in members] == [(2001, True)]
        assert await session.get(GroupChat, -1001) is not None
        assert await session.scalar(select(func.count()).select_from(BroadcastDraft)) == 0
    await db.dispose()


async def tap_when_shown_in(user: FakeUser, label: str, chat_id: int) -> None:
    message = next(m for m in reversed(api_messages(user, chat_id)) if m.buttons)
    await user.wait_callback_answered_async(user.tap(label, in_message=message, chat_id=chat_id))


def api_messages(user: FakeUser, chat_id: int):  # type: ignore[no-untyped-def]
    return user.api.messages(chat_id)


async def test_scheduled_broadcast_waits_and_can_be_cancelled(
    api: FakeBotApi, url: str, kb: KnowledgeBase
) -> None:
    db = Database(url)
    async with running_bot(api, url, **bot_settings()):
        coach = FakeUser(api, ADMIN, first_name="Coach")
        code = await new_group(coach, "Mornings")
        ann = FakeUser(api, 2001, first_name="Ann")
        ann.send_command("/start", f"grp_{code}")
        await tap_when_shown(ann, text(kb, "group_join_yes"))
        await ann.wait_message_async(contains="You joined")
        await ann.wait_message_async(contains=text(kb, "consent_question")[:20])

        coach.send_command("/broadcast")
        await coach.wait_message_async(contains=text(kb, "broadcast_ask_text")[:20])
        coach.send_text("Tomorrow: <unknown> tags & stray ampersands")
        await coach.wait_message_async(contains=text(kb, "broadcast_escaped")[:20])
        await tap_when_shown(coach, text(kb, "broadcast_to_mine"))
        await tap_when_shown(coach, text(kb, "broadcast_schedule"))
        coach.send_text("yesterday")
        await coach.wait_message_async(contains="has a day but no time of day")
        coach.send_text("31.2. 07:00")
        await coach.wait_message_async(contains="31 February doesn't exist")
        coach.send_text("2099-01-01 08:00")
        await coach.wait_message_async(contains="at most 60 days ahead")
        coach.send_text("sometime soonish")
        await coach.wait_message_async(contains="I can't read 'sometime soonish' as a time")
        coach.send_text("23:59")
        confirm = await coach.wait_message_async(contains="Send at ")
        assert "(UTC)" in (confirm.text or ""), "the time carries the coach's zone"
        assert "Recipients now: 1 athlete, 0 group chats" in (confirm.text or "")
        await coach.wait_callback_answered_async(
            coach.tap(text(kb, "broadcast_confirm"), in_message=confirm)
        )
        await coach.wait_message_async(contains="will go to 1 recipient at")

        coach.send_command("/broadcasts")
        listing = await coach.wait_message_async(contains="scheduled")
        await coach.wait_callback_answered_async(coach.tap("Cancel #1", in_message=listing))
        sure = await coach.wait_message_async(contains="Cancel broadcast #1? 1 message not sent")
        await coach.wait_callback_answered_async(
            coach.tap(text(kb, "broadcast_cancel_keep"), in_message=sure)
        )
        async with db.transaction() as session:
            kept = await session.get(Broadcast, 1)
            assert kept is not None and kept.cancelled_at is None, "asking cancels nothing"
        listing = await coach.wait_message_async(
            predicate=lambda e: e.message_id == sure.message_id and "scheduled" in (e.text or "")
        )
        await coach.wait_callback_answered_async(coach.tap("Cancel #1", in_message=listing))
        sure = await coach.wait_message_async(
            predicate=lambda e: (
                e.message_id == listing.message_id and "Cancel broadcast" in (e.text or "")
            )
        )
        await coach.wait_callback_answered_async(coach.tap("Yes, cancel #1", in_message=sure))
        await coach.wait_message_async(contains="#1 cancelled: 1 message will not be sent")
        await ann.assert_no_message_async(0.5)

    async with db.transaction() as session:
        broadcast = await session.get(Broadcast, 1)
        assert broadcast is not None and broadcast.cancelled_at is not None
        assert broadcast.text_html == "Tomorrow: &lt;unknown&gt; tags &amp; stray ampersands"
        statuses = (await session.scalars(select(Delivery.status))).all()
        assert statuses == ["cancelled"]
    await db.dispose()
