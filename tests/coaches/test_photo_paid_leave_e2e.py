"""Through the fake Bot API: photo broadcasts, paid broadcast mode, athletes leaving a group."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from coaching import outbox
from coaching.base import utcnow
from coaching.coach_models import Broadcast, GroupMembership
from coaching.db import Database
from coaching.outbox import Delivery
from fakeapi import FakeBotApi, FakeUser
from fakeapi.records import ApiCall
from knowledge import KnowledgeBase
from tests.coaches.conftest import ADMIN, bot_settings
from tests.coaches.test_flow_e2e import new_group, tap_when_shown_in
from tests.e2e.harness import running_bot, tap_when_shown
from tests.waits import wait_db

JPEG = b"\xff\xd8\xff\xe0fake-jpeg-bytes\xff\xd9"


def text(kb: KnowledgeBase, key: str) -> str:
    return kb.ui_text(key, "en")


async def join(api: FakeBotApi, kb: KnowledgeBase, user_id: int, name: str, code: str) -> FakeUser:
    athlete = FakeUser(api, user_id, first_name=name)
    athlete.send_command("/start", f"grp_{code}")
    await tap_when_shown(athlete, text(kb, "group_join_yes"))
    await athlete.wait_message_async(contains="You joined")
    return athlete


async def compose_to(coach: FakeUser, kb: KnowledgeBase, group: str) -> None:
    coach.send_command("/broadcast")
    await coach.wait_message_async(contains=text(kb, "broadcast_photo_hint")[:20])


def sends_to(api: FakeBotApi, chat_id: int, method: str) -> list[ApiCall]:
    return [
        c
        for c in list(api.calls)
        if c.method == method and str(c.params.get("chat_id")) == str(chat_id)
    ]


async def test_a_photo_with_caption_is_previewed_and_delivered(
    api: FakeBotApi, url: str, kb: KnowledgeBase
) -> None:
    async with running_bot(api, url, **bot_settings()):
        coach = FakeUser(api, ADMIN, first_name="Coach")
        code = await new_group(coach, "Hills")
        ann = await join(api, kb, 3001, "Ann", code)
        api.add_bot_to_group(-1003, "Club chat", coach)
        await coach.wait_message_async(contains=text(kb, "group_chat_pick")[:20], chat_id=-1003)
        await tap_when_shown_in(coach, "Hills", -1003)
        await coach.wait_message_async(contains="broadcasts of", chat_id=-1003)

        # A caption too long for Telegram is refused with a clear message; the draft waits.
        await compose_to(coach, kb, "Hills")
        coach.send_photo(JPEG, "x" * 1025)
        refused = await coach.wait_message_async(contains="1025")
        assert "1024" in (refused.text or "")

        coach.send_photo(JPEG, "Hill session <moved> to 19:00 & bring water")
        await tap_when_shown(coach, "Hills")
        summary = await coach.wait_message_async(contains="Recipients: 1 athlete, 1 group chat")
        preview = next(m for m in coach.messages if m.kind == "photo")
        assert preview.data == JPEG
        assert preview.text == "Hill session <moved> to 19:00 & bring water"
        await coach.wait_callback_answered_async(
            coach.tap(text(kb, "broadcast_send_now"), in_message=summary)
        )
        await coach.wait_message_async(contains="is being sent to 2 recipients")

        got = await ann.wait_message_async(predicate=lambda e: e.message.kind == "photo")
        assert got.message.data == JPEG
        assert (got.message.raw_text or "").endswith(
            "\n\nHill session &lt;moved&gt; to 19:00 &amp; bring water"
        ), "the caption under the header naming the coach and the group"
        assert (got.message.text or "").endswith("Hill session <moved> to 19:00 & bring water")
        posted = await coach.wait_message_async(
            predicate=lambda e: e.message.kind == "photo", chat_id=-1003
        )
        assert posted.message.data == JPEG
        assert all(
            "moved" not in str(c.params.get("text")) for c in sends_to(api, 3001, "sendMessage")
        )

        # A photo without caption works too; a photo nobody waits for gets the usual pointer.
        await compose_to(coach, kb, "Hills")
        coach.send_photo(JPEG)
        await coach.wait_message_async(contains=text(kb, "broadcast_ask_audience"))
        ann.send_photo(JPEG, "my run")
        await ann.wait_message_async(contains=text(kb, "stray_text")[:20])

    db = Database(url)
    async with db.transaction() as session:
        sent = (await session.scalars(select(Broadcast))).all()
        assert [(b.photo_file_id is not None, b.text_html) for b in sent] == [
            (True, "Hill session &lt;moved&gt; to 19:00 &amp; bring water")
        ]
    await db.dispose()


async def test_paid_broadcast_mode_marks_broadcasts_and_not_reminders(
    api: FakeBotApi, url: str, kb: KnowledgeBase
) -> None:
    db = Database(url)
    async with running_bot(api, url, **bot_settings(paid_broadcast=True)):
        coach = FakeUser(api, ADMIN, first_name="Coach")
        code = await new_group(coach, "Hills")
        ann = await join(api, kb, 3101, "Ann", code)
        await compose_to(coach, kb, "Hills")
        coach.send_text("Paid hills")
        await tap_when_shown(coach, "Hills")
        await tap_when_shown(coach, text(kb, "broadcast_send_now"))
        await ann.wait_message_async(contains="Paid hills")

        now = utcnow()
        async with db.transaction() as session:
            session.add(
                Delivery(
                    athlete_id=ann.user_id,
                    kind="retest",
                    slot="paid-test",
                    status="pending",
                    due_at=now,
                    not_before=now,
                    expires_at=now + dt.timedelta(hours=1),
                    attempts=0,
                    created_at=now,
                )
            )
        await ann.wait_message_async(contains=text(kb, "retest_reminder")[:20])

    calls = sends_to(api, ann.chat_id, "sendMessage")
    broadcast = [c for c in calls if str(c.params.get("text")).endswith("\n\nPaid hills")]
    reminder = [c for c in calls if c.params.get("text") == text(kb, "retest_reminder")]
    assert len(broadcast) == 1 and broadcast[0].params.get("allow_paid_broadcast") in (
        True,
        "true",
        "True",
    )
    assert len(reminder) == 1 and "allow_paid_broadcast" not in reminder[0].params
    others = [c for c in calls if c not in broadcast]
    assert all("allow_paid_broadcast" not in c.params for c in others)
    coach_calls = sends_to(api, ADMIN, "sendMessage")
    assert coach_calls and all("allow_paid_broadcast" not in c.params for c in coach_calls)
    await db.dispose()


async def test_paid_mode_is_off_by_default(api: FakeBotApi, url: str, kb: KnowledgeBase) -> None:
    async with running_bot(api, url, **bot_settings()):
        coach = FakeUser(api, ADMIN, first_name="Coach")
        code = await new_group(coach, "Hills")
        ann = await join(api, kb, 3201, "Ann", code)
        await compose_to(coach, kb, "Hills")
        coach.send_text("Free hills")
        await tap_when_shown(coach, "Hills")
        await tap_when_shown(coach, text(kb, "broadcast_send_now"))
        await ann.wait_message_async(contains="Free hills")
    calls = [c for c in sends_to(api, ann.chat_id, "sendMessage") if c.params.get("text")]
    assert calls and all("allow_paid_broadcast" not in c.params for c in calls)


async def test_an_athlete_leaves_a_group_and_forged_taps_change_nothing(
    api: FakeBotApi, url: str, kb: KnowledgeBase
) -> None:
    db = Database(url)
    async with running_bot(api, url, **bot_settings()):
        coach = FakeUser(api, ADMIN, first_name="Coach")
        hills = await new_group(coach, "Hills <A>")
        track = await new_group(coach, "Track")
        ann = await join(api, kb, 3301, "Ann", hills)
        ann.send_command("/start", f"grp_{track}")
        await tap_when_shown(ann, text(kb, "group_join_yes"))
        await ann.wait_message_async(contains="You joined")
        bob = await join(api, kb, 3302, "Bob", hills)

        stranger = FakeUser(api, 3399, first_name="Sam")
        stranger.send_command("/leave")
        await stranger.wait_message_async(contains=text(kb, "group_leave_none"))

        ann.send_command("/leave")
        listing = await ann.wait_message_async(contains="Your training groups")
        labels = [t for row in listing.buttons for t, _ in row]
        assert labels == ["Leave Hills <A>", "Leave Track"]
        assert "Hills &lt;A&gt;" in (listing.message.raw_text or "")

        async with db.transaction() as session:
            bob_group = await session.scalar(
                select(GroupMembership.group_id).where(GroupMembership.athlete_id == bob.user_id)
            )
        members_before = await memberships(db)
        # Forged: a group Ann is not in (there is none she could reach), junk, huge numbers.
        for forged in ("gq:999999", "gq:", "gq:-1", "gq:abc", "gq:" + "9" * 30, "gq:1:2"):
            answered = await ann.wait_callback_answered_async(
                ann.tap_data(listing.message.message_id, forged)
            )
            assert answered.answer_text == text(kb, "stale_button")
        # Bob taps Ann's button for a group he is not in (Track): nothing changes.
        track_id = next(
            int((d or "").removeprefix("gq:"))
            for row in listing.buttons
            for t, d in row
            if "Track" in t
        )
        assert track_id != bob_group
        bob_listing_id = await leave_listing(bob, kb)
        answered = await bob.wait_callback_answered_async(
            bob.tap_data(bob_listing_id, f"gq:{track_id}")
        )
        assert answered.answer_text == text(kb, "stale_button")
        answered = await bob.wait_callback_answered_async(
            bob.tap_data(bob_listing_id, f"gq:{track_id}:y")
        )
        assert answered.answer_text == text(kb, "stale_button")
        assert await memberships(db) == members_before

        # Leaving asks first: Back keeps the membership, "Yes, leave" ends it.
        await ann.wait_callback_answered_async(ann.tap("Leave Hills <A>", in_message=listing))
        sure = await ann.wait_message_async(contains="Leave Hills <A>?")
        await ann.wait_callback_answered_async(ann.tap(text(kb, "back"), in_message=sure))
        await ann.wait_message_async(
            predicate=lambda e: (
                e.message_id == sure.message_id and "Your training" in (e.text or "")
            )
        )
        assert await memberships(db) == members_before
        await ann.wait_callback_answered_async(ann.tap("Leave Hills <A>", in_message=listing))
        sure = await ann.wait_message_async(contains="Leave Hills <A>?")
        await ann.wait_callback_answered_async(
            ann.tap(text(kb, "group_leave_yes"), in_message=sure)
        )
        left = await ann.wait_message_async(contains="You left")
        assert "Hills <A>" in (left.text or "")
        assert await memberships(db) == members_before - {(ann.user_id, bob_group)}

        coach.send_command("/athletes")
        everyone = await coach.wait_message_async(contains="2 in the list")
        assert "Ann" in (everyone.text or ""), "still in Track"
        await coach.wait_callback_answered_async(coach.tap("Hills <A>", in_message=everyone))
        overview = await coach.wait_message_async(
            predicate=lambda e: e.kind == "edit" and e.message_id == everyone.message_id
        )
        assert "Hills <A>" in (overview.text or "")
        assert "Bob" in (overview.text or "") and "Ann" not in (overview.text or "")

        await compose_to(coach, kb, "Hills <A>")
        coach.send_text("Only for Hills")
        await tap_when_shown(coach, "Hills <A>")
        summary = await coach.wait_message_async(contains="Recipients: 1 athlete,")
        await coach.wait_callback_answered_async(
            coach.tap(text(kb, "broadcast_send_now"), in_message=summary)
        )
        await bob.wait_message_async(contains="Only for Hills")

        async def finished(session) -> bool:  # type: ignore[no-untyped-def]
            pending = await session.scalars(
                select(Delivery).where(Delivery.status.in_(outbox.WAITING))
            )
            return not pending.all()

        await wait_db(db, finished, "the broadcast to finish")
        assert not [m for m in ann.messages if "Only for Hills" in (m.text or "")]
    await db.dispose()


async def memberships(db: Database) -> set[tuple[int, int]]:
    async with db.transaction() as session:
        rows = await session.execute(select(GroupMembership.athlete_id, GroupMembership.group_id))
        return set(rows.tuples().all())


async def leave_listing(user: FakeUser, kb: KnowledgeBase) -> int:
    user.send_command("/leave")
    listing = await user.wait_message_async(contains="Your training groups")
    return listing.message.message_id
