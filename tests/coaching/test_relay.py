"""Two-way broadcasts without Telegram: the header on every copy, a reply relayed to the
coach and the answer back, through the outbox; texts forgotten once delivered."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from coaching import coach_profile, coaches, outbox, privacy, relay
from coaching.callbacks import ReplyToCoach
from coaching.coach_models import Broadcast, GroupMembership
from coaching.console_models import RelayedMessage
from coaching.db import Database
from coaching.models import Athlete
from coaching.outbox import Delivery, Kind, Status
from coaching.reminders.models import ReminderSettings
from knowledge import KnowledgeBase
from scheduler.dispatcher import dispatch
from scheduler.messages import composers
from tests.scheduler.fakes import FakeSender

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
COACH = 1
ANN, BOB = 2001, 2002


async def setup(db: Database, text_html: str = "Hills at <b>19:00</b>") -> int:
    """A coach named Yan, a group "Tuesday & Track" with Ann and Bob, one broadcast to it
    that Ann and Bob received (Telegram message ids 55 and 56); the broadcast's id."""
    async with db.transaction() as session:
        role = await coaches.authorise(session, {COACH}, COACH)
        assert role is not None
        await coach_profile.note_identity(session, role, "Yan", "en", NOW)
        group = await coaches.create_group(session, role, "Tuesday & Track", NOW)
        for athlete_id, name in ((ANN, "Ann"), (BOB, "Bob")):
            session.add(Athlete(id=athlete_id, first_name=name, language="en", consent_at=NOW))
            await session.flush()
            session.add(GroupMembership(group_id=group.id, athlete_id=athlete_id, consent_at=NOW))
        broadcast = Broadcast(
            coach_id=COACH,
            text_html=text_html,
            audience="group",
            audience_ref=str(group.id),
            recipients=2,
            send_at=NOW,
            created_at=NOW,
        )
        session.add(broadcast)
        await session.flush()
        for athlete_id, message_id in ((ANN, 55), (BOB, 56)):
            row = outbox.planned(
                Kind.BROADCAST,
                f"b{broadcast.id}",
                NOW,
                NOW,
                athlete_id=athlete_id,
                ref_id=broadcast.id,
            )
            row.update(status=Status.SENT, message_id=message_id)
            await outbox.insert(session, [row])
        return broadcast.id


async def test_every_copy_names_the_coach_and_group_and_offers_a_reply(
    db: Database, kb: KnowledgeBase
) -> None:
    broadcast_id = await setup(db)
    async with db.transaction() as session:
        row = outbox.planned(Kind.BROADCAST, "again", NOW, NOW, athlete_id=ANN, ref_id=broadcast_id)
        post = outbox.planned(Kind.GROUP_POST, "post", NOW, NOW, chat_id=-100, ref_id=broadcast_id)
        await outbox.insert(session, [row, post])
    sender = FakeSender()
    await dispatch(db, sender, composers(kb), NOW)
    by_chat = {message.chat_id: message for message in sender.sent}
    assert by_chat[ANN].text == (
        "📣 <b>Coach Yan</b> · Tuesday &amp; Track\n\nHills at <b>19:00</b>"
    )
    assert by_chat[ANN].buttons == [
        [(kb.ui_text("reply_to_coach_button", "en"), ReplyToCoach(broadcast_id).encode())]
    ]
    assert by_chat[-100].text == by_chat[ANN].text
    assert by_chat[-100].buttons == [], "a group chat gets no private reply button"


async def test_a_header_that_would_not_fit_is_left_out_never_the_text(
    db: Database, kb: KnowledgeBase
) -> None:
    long_text = "x" * 4090
    broadcast_id = await setup(db, long_text)
    async with db.transaction() as session:
        row = outbox.planned(Kind.BROADCAST, "again", NOW, NOW, athlete_id=ANN, ref_id=broadcast_id)
        await outbox.insert(session, [row])
    sender = FakeSender()
    await dispatch(db, sender, composers(kb), NOW)
    assert [m.text for m in sender.sent] == [long_text]


async def test_a_reply_goes_to_the_coach_and_the_answer_comes_back(
    db: Database, kb: KnowledgeBase
) -> None:
    broadcast_id = await setup(db)
    async with db.transaction() as session:
        assert await relay.broadcast_replied_to(session, BOB, 55) is None, "Ann's copy"
        assert await relay.broadcast_replied_to(session, ANN, 999) is None
        broadcast = await relay.broadcast_replied_to(session, ANN, 55)
        assert broadcast is not None and broadcast.id == broadcast_id
        assert await relay.received_broadcast(session, ANN, broadcast_id)
        assert not await relay.received_broadcast(session, ANN, broadcast_id + 1)
        # Ann paused her reminders: a relayed conversation is not a reminder.
        session.add(ReminderSettings(athlete_id=ANN, paused=True))
        await relay.to_coach(session, ANN, broadcast, "Can I come at 19:30 &amp; still join?", NOW)
    sender = FakeSender()
    await dispatch(db, sender, composers(kb), NOW)
    [to_coach] = sender.sent
    assert to_coach.chat_id == COACH
    assert to_coach.text.startswith(
        f"💬 <b>Ann</b> replied to your broadcast #{broadcast_id} (Tuesday &amp; Track):\n\n"
        "Can I come at 19:30 &amp; still join?"
    )
    assert "Reply to this message to answer Ann" in to_coach.text
    async with db.transaction() as session:
        sent_copy = await session.scalar(
            select(Delivery).where(Delivery.kind == Kind.RELAY, Delivery.chat_id == COACH)
        )
        assert sent_copy is not None and sent_copy.athlete_id == ANN, "the row is Ann's"
        assert sent_copy.status == Status.SENT and sent_copy.message_id is not None
        assert await relay.reply_replied_to(session, 999, sent_copy.message_id) is None
        answered = await relay.reply_replied_to(session, COACH, sent_copy.message_id)
        assert answered is not None and answered.athlete_id == ANN
        await relay.to_athlete(session, answered, "Yes, <i>see you</i>", NOW)
    sender.sent.clear()
    await dispatch(db, sender, composers(kb), NOW)
    [back] = sender.sent
    assert back.chat_id == ANN
    assert back.text == "💬 <b>Coach Yan</b> answered:\n\nYes, <i>see you</i>"
    assert back.buttons[0][0][1] == ReplyToCoach(broadcast_id).encode()
    async with db.transaction() as session:
        answer = await session.scalar(
            select(Delivery.message_id).where(
                Delivery.kind == Kind.RELAY, Delivery.athlete_id == ANN, Delivery.chat_id.is_(None)
            )
        )
        assert answer is not None
        again = await relay.broadcast_replied_to(session, ANN, answer)
        assert again is not None and again.id == broadcast_id, "a reply to the answer goes on"
        assert await relay.replies(session, [broadcast_id]) == {broadcast_id: 1}
        assert await relay.forget_settled(session) == 2
        texts = (await session.scalars(select(RelayedMessage.text_html))).all()
        assert texts == [None, None], "no copy of the conversation is kept"


async def test_relayed_rows_go_with_the_athlete_and_with_the_coach(db: Database) -> None:
    broadcast_id = await setup(db)
    async with db.transaction() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
        assert broadcast is not None
        await relay.to_coach(session, ANN, broadcast, "hello", NOW)
        await relay.to_coach(session, BOB, broadcast, "hi", NOW)
        exported = await privacy.export(session, ANN, NOW)
        assert exported is not None
        assert [r["text_html"] for r in exported["tables"]["relayed_message"]] == ["hello"]
        await privacy.erase(session, ANN, NOW)
    async with db.transaction() as session:
        left = (await session.scalars(select(RelayedMessage.athlete_id))).all()
        assert left == [BOB]
        kinds = (
            await session.scalars(select(Delivery.athlete_id).where(Delivery.kind == Kind.RELAY))
        ).all()
        assert kinds == [BOB]
        await privacy.erase(session, COACH, NOW)
    async with db.transaction() as session:
        assert (await session.scalars(select(RelayedMessage))).all() == []


def test_a_relay_refuses_what_it_cannot_carry_whole() -> None:
    with pytest.raises(relay.TooLong) as raised:
        relay.check_text("a" * (relay.MAX_TEXT + 1))
    assert raised.value.args[0] == relay.MAX_TEXT + 1
    with pytest.raises(relay.TooLong):
        relay.check_text("   ")
