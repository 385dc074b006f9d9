"""The coach's console against the fake Bot API, a coach and several athletes at once:
500 athletes paged with nothing lost, a card, a nudge, a reply relayed both ways,
who a broadcast did not reach and why, the coach's own time zone."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching import coaches, outbox
from coaching.coach_models import Broadcast, GroupMembership
from coaching.console_models import RelayedMessage
from coaching.db import Database
from coaching.models import Athlete, SelftestResult
from coaching.outbox import Delivery, Kind, Status
from coaching.pain_models import PainReport
from coaching.scoring import SKIPPED, findings, score
from fakeapi import BotEvent, FakeBotApi, FakeUser
from knowledge import KnowledgeBase
from knowledge.schema import text_for
from tests.coaches.conftest import ADMIN, bot_settings
from tests.coaches.console_routes import install_console
from tests.e2e.harness import running_bot
from tests.waits import wait_db

NOW = dt.datetime.now(dt.UTC)
LINE = re.compile(r"^(\d+)\. (Runner \d{3})\b", re.MULTILINE)
LINE_OF = re.compile(r"^\d+\. (\w+)", re.MULTILINE)


async def seed_group(db: Database, name: str, athletes: dict[int, str], **values: object) -> int:
    """A group of the admin coach with these athletes as consenting members; its id."""
    async with db.transaction() as session:
        role = await coaches.authorise(session, {ADMIN}, ADMIN)
        assert role is not None
        group = await coaches.create_group(session, role, name, NOW)
        for athlete_id, first_name in athletes.items():
            fields: dict[str, object] = {
                "id": athlete_id,
                "first_name": first_name,
                "language": "en",
                "consent_at": NOW,
                "onboarded_at": NOW,
                "last_seen_at": NOW,
            }
            fields.update(values)
            session.add(Athlete(**fields))
            await session.flush()
            session.add(GroupMembership(group_id=group.id, athlete_id=athlete_id, consent_at=NOW))
        return group.id


def tapped_edit(message_id: int) -> Callable[[BotEvent], bool]:
    """The edit a tap on that message made (a page, a card, Back)."""
    return lambda event: event.kind == "edit" and event.message_id == message_id


async def test_500_athletes_each_appear_once_across_the_pages(
    api: FakeBotApi, url: str, kb: KnowledgeBase
) -> None:
    db = Database(url)
    await seed_group(db, "Big club", {10_000 + i: f"Runner {i:03d}" for i in range(500)})
    async with running_bot(api, url, **bot_settings()) as application:
        install_console(application)
        coach = FakeUser(api, ADMIN, first_name="Yan")
        coach.send_command("/athletes")
        page = await coach.wait_message_async(contains="500 in the list")
        seen: list[str] = []
        while True:
            text = page.text or ""
            seen += [name for _, name in LINE.findall(text)]
            assert len(text) < 4096
            if not any(
                label == kb.ui_text("console_next", "en")
                for row in page.buttons
                for label, _ in row
            ):
                break
            query = coach.tap(kb.ui_text("console_next", "en"), in_message=page.message_id)
            await coach.wait_callback_answered_async(query)
            page = await coach.wait_message_async(predicate=tapped_edit(page.message_id))
        assert "page 25 of 25" in (page.text or "")
    assert len(seen) == 500
    assert sorted(seen) == [f"Runner {i:03d}" for i in range(500)]
    await db.dispose()


async def test_a_nudge_a_reply_relayed_both_ways_and_who_it_did_not_reach(
    api: FakeBotApi, url: str, kb: KnowledgeBase
) -> None:
    db = Database(url)
    await seed_group(db, "Tuesday & Track", {2001: "Ann", 2002: "Bob", 2003: "Cy"})
    async with running_bot(api, url, **bot_settings()) as application:
        install_console(application)
        coach = FakeUser(api, ADMIN, first_name="Yan")
        ann = FakeUser(api, 2001, first_name="Ann", started=True)
        bob = FakeUser(api, 2002, first_name="Bob", started=True)
        cy = FakeUser(api, 2003, first_name="Cy", started=True)
        api.blocked_user_ids.add(cy.user_id)

        # The coach's own zone, set without any athlete onboarding.
        coach.send_command("/timezone", "Mars/Base")
        await coach.wait_message_async(contains="'Mars/Base' is not a time zone")
        coach.send_command("/timezone", "Europe/Helsinki")
        await coach.wait_message_async(contains="now Europe/Helsinki")

        # The list, filtered to those not tested yet, and a nudge to them.
        coach.send_command("/athletes")
        listing = await coach.wait_message_async(contains="3 in the list")
        assert "Tuesday &amp; Track" not in (listing.text or ""), "shown as text, not markup"
        untested = kb.ui_text("console_filter_untested", "en")
        await coach.wait_callback_answered_async(coach.tap(untested, in_message=listing.message_id))
        filtered = await coach.wait_message_async(predicate=tapped_edit(listing.message_id))
        assert "not tested yet" in (filtered.text or "")
        nudge = kb.ui_text("console_nudge_button_other", "en", count=3)
        await coach.wait_callback_answered_async(coach.tap(nudge, in_message=filtered.message_id))
        preview = await coach.wait_message_async(contains="3 athletes (Ann, Bob, Cy)")
        await coach.wait_callback_answered_async(
            coach.tap(
                kb.ui_text("nudge_send_button_other", "en", count=3), in_message=preview.message_id
            )
        )
        await coach.wait_message_async(contains="Nudge #1 is being sent to 3 athletes")
        got = await ann.wait_message_async(contains="self-test")
        assert (got.message.raw_text or "").startswith("📣 <b>Coach Yan</b>\n\n"), (
            "a nudge across all groups names the coach only"
        )
        await bob.wait_message_async(contains="self-test")
        # A second tap on the same preview sends nothing more.
        send_data = next(d for row in preview.buttons for _, d in row if d)
        again = coach.tap_data(preview.message_id, send_data)
        answered = await coach.wait_callback_answered_async(again)
        assert answered.answer_text == kb.ui_text("nudge_already", "en")
        # The same button forged for the whole list, which has no nudge: answered, not a crash.
        kind, _, *rest = send_data.split(":")
        forged = coach.tap_data(preview.message_id, ":".join([kind, "all", *rest]))
        answered = await coach.wait_callback_answered_async(forged)
        everyone = kb.ui_text("console_filter_all", "en")
        assert answered.answer_text == kb.ui_text("nudge_empty", "en", filter=everyone)

        # Ann replies to the broadcast itself; the coach answers by replying to the relay.
        reply_to = api.message_as_ptb(got.message)
        await wait_db(db, recorded(Kind.BROADCAST, 2001), "Ann's copy recorded as sent")
        ann._send_message(
            None, text="Can I do it on <Sunday> & still join?", reply_to_message=reply_to
        )
        await ann.wait_message_async(contains="Sent to Coach Yan")
        relayed = await coach.wait_message_async(contains="Ann replied to your broadcast #1")
        assert "Can I do it on &lt;Sunday&gt; &amp; still join?" in (relayed.message.raw_text or "")
        await wait_db(db, recorded(Kind.RELAY, ADMIN), "the relayed copy recorded as sent")
        coach._send_message(
            None,
            text="Yes, <b>Sunday</b> is fine",
            reply_to_message=api.message_as_ptb(relayed.message),
        )
        await coach.wait_message_async(contains="on its way to Ann")
        back = await ann.wait_message_async(contains="Coach Yan answered")
        assert (back.message.raw_text or "").endswith("Yes, <b>Sunday</b> is fine")

        # Bob uses the button instead: his next message goes to the coach.
        reply_label = kb.ui_text("reply_to_coach_button", "en")
        bob_copy = next(m for m in bob.messages if button_in(m.buttons, reply_label))
        await bob.wait_callback_answered_async(bob.tap(reply_label, in_message=bob_copy.message_id))
        await bob.wait_message_async(contains="Write your reply to Coach Yan")
        bob.send_text("Done it already")
        await bob.wait_message_async(contains="Sent to Coach Yan")
        await coach.wait_message_async(contains="Bob replied to your broadcast #1")

        # /broadcasts: athletes and group chats apart, replies counted, Cy named as blocked.
        async def settled(session: AsyncSession) -> bool:
            texts = (await session.scalars(select(RelayedMessage.text_html))).all()
            return len(texts) == 3

        await wait_db(db, settled, "three relays recorded")
        coach.send_command("/broadcasts")
        report = await coach.wait_message_async(contains="#1")
        text = report.text or ""
        assert "times in Europe/Helsinki" in text
        assert "athletes 3: sent 2" in text and "blocked 1" in text
        assert "2 replies" in text
        await coach.wait_callback_answered_async(coach.tap("🔎 #1", in_message=report.message_id))
        details = await coach.wait_message_async(contains="did not reach")
        assert "Cy: blocked the bot (Forbidden: bot was blocked by the user)" in (
            details.text or ""
        )

        # Ann's card: tested? not yet; she shares since today; Back returns to the list.
        coach.send_command("/athletes")
        listing = await coach.wait_message_async(contains="3 in the list")
        assert "🚫 blocked the bot" in (listing.text or ""), "Cy is marked in the list"
        await coach.wait_callback_answered_async(coach.tap("1. Ann", in_message=listing.message_id))
        card = await coach.wait_message_async(predicate=tapped_edit(listing.message_id))
        assert "<b>Ann</b> · Tuesday &amp; Track" in (card.message.raw_text or "")
        assert "Self-tests: none yet" in (card.text or "")
        await coach.wait_callback_answered_async(
            coach.tap(kb.ui_text("console_back", "en"), in_message=listing.message_id)
        )
        await coach.wait_message_async(predicate=tapped_edit(listing.message_id))
    await db.dispose()


def recorded(kind: Kind, chat: int) -> Callable[[AsyncSession], Awaitable[bool]]:
    """Whether the outbox has recorded a sent message of this kind to this chat: a reply
    is matched through the Telegram message id recorded there."""

    async def check(session: AsyncSession) -> bool:
        found = await session.scalar(
            select(Delivery.id).where(
                Delivery.kind == kind,
                (Delivery.chat_id == chat) | (Delivery.athlete_id == chat),
                Delivery.message_id.is_not(None),
            )
        )
        return found is not None

    return check


def button_in(rows: list[list[tuple[str, str | None]]], label: str) -> bool:
    return any(text == label for row in rows for text, _ in row)


async def test_500_broadcasts_scheduled_first_then_history_each_once(
    api: FakeBotApi, url: str, kb: KnowledgeBase
) -> None:
    db = Database(url)
    group_id = await seed_group(db, "Mornings", {2001: "Ann"})
    async with db.transaction() as session:
        for i in range(500):
            ahead = i % 100 == 0  # five still to go out, the rest sent
            send_at = (
                NOW + dt.timedelta(days=1 + i // 100) if ahead else NOW - dt.timedelta(hours=i)
            )
            broadcast = Broadcast(
                coach_id=ADMIN,
                text_html=f"news {i}",
                audience="group",
                audience_ref=str(group_id),
                recipients=1,
                send_at=send_at,
                created_at=NOW - dt.timedelta(days=30),
            )
            session.add(broadcast)
            await session.flush()
            row = outbox.planned(
                Kind.BROADCAST,
                f"b{broadcast.id}",
                send_at,
                NOW,
                athlete_id=2001,
                ref_id=broadcast.id,
            )
            if not ahead:
                row["status"] = Status.SENT
            await outbox.insert(session, [row])
    async with running_bot(api, url, **bot_settings()) as application:
        install_console(application)
        coach = FakeUser(api, ADMIN, first_name="Yan")
        coach.send_command("/broadcasts")
        page = await coach.wait_message_async(contains="page 1 of 63")
        seen: list[int] = []
        next_label = kb.ui_text("console_next", "en")
        while True:
            seen += [int(n) for n in re.findall(r"^#(\d+) ", page.text or "", re.MULTILINE)]
            if not any(label == next_label for row in page.buttons for label, _ in row):
                break
            query = coach.tap(next_label, in_message=page.message_id)
            await coach.wait_callback_answered_async(query)
            page = await coach.wait_message_async(predicate=tapped_edit(page.message_id))
    assert len(seen) == 500 and len(set(seen)) == 500
    assert seen[:5] == [1, 101, 201, 301, 401], "still to go out first, soonest first"
    history = seen[5:]
    assert history == sorted(history, reverse=True), "then the history, newest first"
    await db.dispose()


async def test_a_pain_flag_shows_in_the_list_the_filter_the_card_and_the_export(
    api: FakeBotApi, url: str, kb: KnowledgeBase
) -> None:
    db = Database(url)
    group_id = await seed_group(db, "Hills", {2001: "Ann", 2002: "Bob", 2003: "Cy"})
    async with db.transaction() as session:
        for athlete_id, until in ((2001, NOW + dt.timedelta(days=5)), (2003, NOW)):
            session.add(  # Ann's pause still runs; Cy's is over, so Cy is not flagged
                PainReport(
                    athlete_id=athlete_id,
                    created_at=NOW - dt.timedelta(days=1),
                    area="hip",
                    score=8,
                    answers={},
                    outcome="stop",
                    red_flag=True,
                    paused_until=until,
                )
            )
    flag = kb.ui_text("console_pain", "en")
    async with running_bot(api, url, **bot_settings()) as application:
        install_console(application)
        coach = FakeUser(api, ADMIN, first_name="Yan")
        FakeUser(api, 2001, first_name="Ann", started=True)
        FakeUser(api, 2002, first_name="Bob", started=True)
        coach.send_command("/athletes")
        listing = await coach.wait_message_async(contains="3 in the list")
        lines = {
            name: line
            for _, name, line in re.findall(r"^(\d+)\. (\w+)(.*)$", listing.text or "", re.M)
        }
        assert flag in lines["Ann"] and flag not in lines["Bob"] and flag not in lines["Cy"]

        pain_filter = kb.ui_text("console_filter_pain", "en")
        await coach.wait_callback_answered_async(coach.tap(pain_filter, in_message=listing))
        only = await coach.wait_message_async(predicate=tapped_edit(listing.message_id))
        assert "1 in the list" in (only.text or "") and "Ann" in (only.text or "")

        await coach.wait_callback_answered_async(coach.tap("1. Ann", in_message=only))
        card = await coach.wait_message_async(predicate=tapped_edit(listing.message_id))
        assert "flagged" in (card.text or "")

        coach.send_command("/athletes")
        listing = await coach.wait_message_async(contains="3 in the list")
        await coach.wait_callback_answered_async(
            coach.tap(kb.ui_text("athletes_export", "en"), in_message=listing)
        )
        document = await coach.wait_message_async(predicate=lambda e: e.message.kind == "document")
        assert document.message.data is not None
        rows = list(csv.reader(io.StringIO(document.message.data.decode())))
        column = rows[0].index("pain_flag")
        assert {row[1]: row[column] for row in rows[1:]} == {"Ann": "yes", "Bob": "no", "Cy": "no"}
    assert group_id
    await db.dispose()


async def test_the_card_and_the_filter_never_read_a_skipped_test_as_fine(
    api: FakeBotApi, url: str, kb: KnowledgeBase
) -> None:
    """Bea's hip drop was marked, her retest all skipped, her latest test without the hip
    steps: her card says the hip drop was not tested last time (the all-skipped test is
    not a point of it); Cy, whose only test was all skipped, is "not tested yet"."""
    db = Database(url)
    await seed_group(db, "Hills", {2101: "Bea", 2102: "Cy"})
    steps = kb.selftest.steps
    best = {
        s.id: min((o for o in s.options if not o.unsure), key=lambda o: sum(o.scores.values())).id
        for s in steps
    }
    skipped = dict.fromkeys(best, SKIPPED)
    tests = [
        (2101, 30, {**best, "pelvis_dip": "clearly", "knees_inward": "clearly"}),
        (2101, 20, skipped),
        (2101, 3, {**best, "pelvis_dip": SKIPPED, "knees_inward": SKIPPED}),
        (2102, 3, skipped),
    ]
    async with db.transaction() as session:
        for athlete_id, days_ago, answers in tests:
            when = NOW - dt.timedelta(days=days_ago)
            scores = score(kb.selftest, answers)
            session.add(
                SelftestResult(
                    athlete_id=athlete_id,
                    created_at=when,
                    content_version=kb.version,
                    answers=answers,
                    scores=dict(scores),
                    findings=dict(findings(kb, scores)),  # as saved before "not tested"
                    retest_due_at=when + dt.timedelta(days=28),
                )
            )
    hip_drop = text_for(kb.faults["hip_drop"].name, "en")
    async with running_bot(api, url, **bot_settings()) as application:
        install_console(application)
        coach = FakeUser(api, ADMIN, first_name="Yan")
        coach.send_command("/athletes")
        listing = await coach.wait_message_async(contains="2 in the list")
        await coach.wait_callback_answered_async(coach.tap("1. Bea", in_message=listing.message_id))
        card = await coach.wait_message_async(predicate=tapped_edit(listing.message_id))
        assert "Self-tests: 3" in (card.text or "")
        assert f"• {hip_drop}: marked → not tested (not tested last time)" in (card.text or "")
        await coach.wait_callback_answered_async(
            coach.tap(kb.ui_text("console_back", "en"), in_message=listing.message_id)
        )
        await coach.wait_message_async(predicate=tapped_edit(listing.message_id))
        untested = kb.ui_text("console_filter_untested", "en")
        await coach.wait_callback_answered_async(coach.tap(untested, in_message=listing.message_id))
        filtered = await coach.wait_message_async(predicate=tapped_edit(listing.message_id))
        assert LINE_OF.findall(filtered.text or "") == ["Cy"]
    await db.dispose()
