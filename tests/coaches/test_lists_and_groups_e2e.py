"""Lists that lose nothing, and a coach's groups, against the fake Bot API.

/groups, the groups an athlete can leave (/leave) and the self-test history
(/results) each with 500 entries: every entry arrives exactly once across the
pages. Group names that clash in any case, rename, unlinking a group chat and
archiving; joining names the coach, a member reopening the link is told they are
in, and declining consent while joining says the coach will see no results.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from sqlalchemy import select

from coaching import coaches
from coaching.coach_models import GroupChat, GroupMembership, TrainingGroup
from coaching.console_models import CoachSettings
from coaching.db import Database
from coaching.models import Athlete, SelftestResult
from fakeapi import BotEvent, FakeBotApi, FakeUser
from knowledge import KnowledgeBase, load_knowledge
from tests.coaches.conftest import ADMIN, bot_settings
from tests.coaches.test_flow_e2e import new_group, tap_when_shown_in
from tests.e2e.harness import running_bot, tap_when_shown

NOW = dt.datetime.now(dt.UTC)
MANY = 500


def text(kb: KnowledgeBase, key: str) -> str:
    return kb.ui_text(key, "en")


def athlete(athlete_id: int, name: str) -> Athlete:
    return Athlete(
        id=athlete_id,
        first_name=name,
        language="en",
        consent_at=NOW,
        onboarded_at=NOW,
        last_seen_at=NOW,
    )


async def seed(db: Database) -> None:
    """500 groups of the admin coach, all with Ann in them; Bob in one; Ann's 500 results."""
    async with db.transaction() as session:
        role = await coaches.authorise(session, {ADMIN}, ADMIN)
        assert role is not None
        session.add_all([athlete(2001, "Ann"), athlete(2002, "Bob")])
        await session.flush()
        for i in range(MANY):
            group = await coaches.create_group(session, role, f"Group {i:03d}", NOW)
            session.add(GroupMembership(group_id=group.id, athlete_id=2001, consent_at=NOW))
            if i == 7:
                session.add(GroupMembership(group_id=group.id, athlete_id=2002, consent_at=NOW))
        answered = {step.id: step.options[0].id for step in load_knowledge().selftest.steps}
        for i in range(MANY):
            session.add(
                SelftestResult(
                    athlete_id=2001,
                    created_at=NOW - dt.timedelta(days=i),
                    content_version="v",
                    answers=answered,
                    scores={},
                    findings={},
                    retest_due_at=NOW,
                )
            )


def edit_of(message_id: int) -> Callable[[BotEvent], bool]:
    """The edit a tap on that message made."""
    return lambda event: event.kind == "edit" and event.message_id == message_id


async def every_page(user: FakeUser, first: BotEvent, kb: KnowledgeBase) -> list[str]:
    """The text of each page, from the first, tapping Next until there is none."""
    pages, page = [], first
    next_label = text(kb, "console_next")
    while True:
        assert len(page.text or "") < 4096
        pages.append(page.text or "")
        if not any(label == next_label for row in page.buttons for label, _ in row):
            return pages
        await user.wait_callback_answered_async(user.tap(next_label, in_message=page.message_id))
        page = await user.wait_message_async(predicate=edit_of(page.message_id))


async def test_500_groups_leave_choices_and_results_each_arrive_once(
    api: FakeBotApi, url: str, kb: KnowledgeBase
) -> None:
    db = Database(url)
    await seed(db)
    expected = [f"Group {i:03d}" for i in range(MANY)]
    async with running_bot(api, url, **bot_settings()):
        coach = FakeUser(api, ADMIN, first_name="Yan")
        ann = FakeUser(api, 2001, first_name="Ann", started=True)
        bob = FakeUser(api, 2002, first_name="Bob", started=True)

        coach.send_command("/groups")
        first = await coach.wait_message_async(contains="page 1 of 50")
        pages = await every_page(coach, first, kb)
        listed = [m for page in pages for m in re.findall(r"^(Group \d{3}) — ", page, re.M)]
        assert listed == expected, "each group once, in order"
        assert "page 50 of 50" in pages[-1]
        assert all(page.count("1 member") + page.count("2 members") == 10 for page in pages)

        ann.send_command("/leave")
        first = await ann.wait_message_async(contains="Your training groups")
        pages = await every_page(ann, first, kb)
        choices = [m for page in pages for m in re.findall(r"^• (Group \d{3})$", page, re.M)]
        assert choices == expected
        bob.send_command("/leave")
        only = await bob.wait_message_async(contains="Your training groups")
        assert re.findall(r"^• (Group \d{3})$", only.text or "", re.M) == ["Group 007"]
        assert [label for row in only.buttons for label, _ in row] == ["Leave Group 007"]

        ann.send_command("/results")
        first = await ann.wait_message_async(contains=text(kb, "results_title"))
        pages = await every_page(ann, first, kb)
        days = [m for page in pages for m in re.findall(r"^(\w{3} \d+, \d{4}) — ", page, re.M)]
        dates = [dt.datetime.strptime(day, "%b %d, %Y").date() for day in days]
        assert len(dates) == MANY and len(set(dates)) == MANY
        assert dates == sorted(dates, reverse=True), "newest first"
        assert all(text(kb, "trend_title") in page for page in pages)
    await db.dispose()


async def test_group_names_rename_unlink_archive_and_joining(
    api: FakeBotApi, url: str, kb: KnowledgeBase
) -> None:
    db = Database(url)
    runner = "🏃\u200d♀️"  # one character as a coach sees it, four code points
    async with running_bot(api, url, **bot_settings()):
        coach = FakeUser(api, ADMIN, first_name="Yan")
        code = await new_group(coach, "Track")
        await new_group(coach, "Hills")
        coach.send_command("/newgroup", "TRACK")
        await coach.wait_message_async(contains="You already have a group called TRACK")
        coach.send_command("/newgroup", runner * 49)
        await coach.wait_message_async(contains="1–48 characters")
        await new_group(coach, runner * 48)

        api.add_bot_to_group(-1001, "Club chat", coach)
        await coach.wait_message_async(contains=text(kb, "group_chat_pick")[:20], chat_id=-1001)
        await tap_when_shown_in(coach, "Track", -1001)
        await coach.wait_message_async(contains="broadcasts of", chat_id=-1001)

        # Joining names the coach; declining consent says the coach sees no results.
        ann = FakeUser(api, 2001, first_name="Ann")
        ann.send_command("/start", f"grp_{code}")
        offer = await ann.wait_message_async(contains="Join the training group Track")
        assert "(coach: Yan)" in (offer.text or "")
        await ann.wait_callback_answered_async(
            ann.tap(text(kb, "group_join_yes"), in_message=offer)
        )
        await tap_when_shown(ann, text(kb, "consent_no"))
        declined = await ann.wait_message_async(contains="your coach will not see any")
        assert "Track" in (declined.text or "")
        ann.send_command("/start", f"grp_{code}")
        await ann.wait_message_async(contains="You are already in Track (coach Yan)")

        # /groups shows the linked chat; its settings unlink it.
        coach.send_command("/groups")
        listing = await coach.wait_message_async(contains="Group chat: Club chat")
        assert "Track — 1 member\n" in (listing.text or "")
        assert "Hills — 0 members" in (listing.text or "")
        await coach.wait_callback_answered_async(coach.tap("⚙ Track", in_message=listing))
        settings = await coach.wait_message_async(predicate=edit_of(listing.message_id))
        await coach.wait_callback_answered_async(
            coach.tap(text(kb, "group_unlink_button"), in_message=settings)
        )
        await coach.wait_message_async(contains="1 group chat no longer gets the broadcasts")
        async with db.transaction() as session:
            assert await session.get(GroupChat, -1001) is None

        # Rename: a name taken (in another case) is refused and asked again.
        await coach.wait_callback_answered_async(
            coach.tap(text(kb, "group_rename_button"), in_message=settings)
        )
        await coach.wait_message_async(contains="What should Track be called?")
        coach.send_text("hills")
        await coach.wait_message_async(contains="You already have a group called hills")
        coach.send_text("Tuesday Track")
        await coach.wait_message_async(contains="Track is now called Tuesday Track")

        # Archive: asked first; then out of /groups and the broadcast choices, link dead.
        coach.send_command("/groups")
        listing = await coach.wait_message_async(contains="Tuesday Track — 1 member")
        await coach.wait_callback_answered_async(coach.tap("⚙ Tuesday Track", in_message=listing))
        settings = await coach.wait_message_async(predicate=edit_of(listing.message_id))
        await coach.wait_callback_answered_async(
            coach.tap(text(kb, "group_archive_button"), in_message=settings)
        )
        sure = await coach.wait_message_async(contains="Archive Tuesday Track?")
        await coach.wait_callback_answered_async(
            coach.tap(text(kb, "group_archive_yes"), in_message=sure)
        )
        await coach.wait_message_async(contains="Tuesday Track is archived")
        coach.send_command("/groups")
        listing = await coach.wait_message_async(contains="Hills — 0 members")
        assert "Tuesday Track" not in (listing.text or "")
        coach.send_command("/broadcast")
        await coach.wait_message_async(contains=text(kb, "broadcast_ask_text")[:20])
        coach.send_text("Anyone?")
        audience = await coach.wait_message_async(contains=text(kb, "broadcast_ask_audience"))
        labels = [label for row in audience.buttons for label, _ in row]
        assert "Hills" in labels and "Tuesday Track" not in labels
        coach.send_command("/cancel")
        bob = FakeUser(api, 2002, first_name="Bob")
        bob.send_command("/start", f"grp_{code}")
        await bob.wait_message_async(contains=text(kb, "group_link_invalid"))

        # A new group may take the archived one's name.
        await new_group(coach, "tuesday track")

    async with db.transaction() as session:
        kept = await session.scalar(select(TrainingGroup).where(TrainingGroup.join_code == code))
        assert kept is not None and kept.archived_at is not None
        members = (await session.scalars(select(GroupMembership.athlete_id))).all()
        assert list(members) == [2001], "the archived group's member stays"
    await db.dispose()


async def test_any_coach_command_keeps_the_coachs_name_and_help_names_timezone(
    api: FakeBotApi, url: str, kb: KnowledgeBase
) -> None:
    db = Database(url)
    async with running_bot(api, url, **bot_settings()):
        coach = FakeUser(api, ADMIN, first_name="Yan")
        code = await new_group(coach, "Track")
        ann = FakeUser(api, 2001, first_name="Ann")
        ann.send_command("/start", f"grp_{code}")
        await ann.wait_message_async(contains="(coach: Yan)")

        renamed = FakeUser(api, ADMIN, first_name="Yanni")  # the coach renamed their profile
        renamed.send_command("/stats")
        await renamed.wait_message_async(contains="Groups: 1")
        bob = FakeUser(api, 2002, first_name="Bob")
        bob.send_command("/start", f"grp_{code}")
        await bob.wait_message_async(contains="(coach: Yanni)")

        renamed.send_command("/help")
        shown = await renamed.wait_message_async(contains="For coaches")
        assert "/timezone" in (shown.text or "")
    async with db.transaction() as session:
        settings = await session.get(CoachSettings, ADMIN)
        assert settings is not None and settings.display_name == "Yanni"
    await db.dispose()
