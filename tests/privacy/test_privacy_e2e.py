"""/privacy, /export, /delete, consent and forged buttons, through the fake Bot API."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from coaching.coach_models import Broadcast, Coach, GroupMembership, TrainingGroup
from coaching.db import Database
from coaching.models import Athlete, SelftestResult, SelftestSession
from fakeapi import FakeBotApi, FakeUser
from knowledge import KnowledgeBase
from tests.e2e.harness import running_bot, tap_when_shown
from tests.privacy.dbcheck import foreign_key_orphans, references_to

ONBOARDING = ["Europe/Helsinki", "Mon", "Done", "07:00", "No"]


async def onboard(user: FakeUser, consent: bool = True) -> None:
    user.send_command("/start")
    await tap_when_shown(user, "Yes, I agree" if consent else "No, thanks")
    for button in ONBOARDING:
        await tap_when_shown(user, button)
    await user.wait_message_async(contains="/selftest")


async def answer_first_step(user: FakeUser, kb: KnowledgeBase) -> None:
    user.send_command("/selftest")
    label = kb.selftest.steps[0].options[0].label
    text = label.get("en") if isinstance(label, dict) else label.en
    await tap_when_shown(user, str(text), contains="1 of")
    await user.wait_message_async(contains="2 of")


async def counts(database_url: str, athlete_id: int) -> tuple[int, int]:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            sessions = await session.scalar(
                select(func.count()).where(SelftestSession.athlete_id == athlete_id)
            )
            results = await session.scalar(
                select(func.count()).where(SelftestResult.athlete_id == athlete_id)
            )
            return sessions or 0, results or 0
    finally:
        await db.dispose()


async def test_privacy_explains_and_profile_points_to_it(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    async with running_bot(api, database_url) as application:
        ann = FakeUser(api, 7001)
        ann.send_command("/privacy")
        shown = await ann.wait_message_async(contains="Your privacy")
        assert "24 months" in (shown.text or "")
        for command in ("/export", "/delete", "/settings"):
            assert command in (shown.text or "")
        assert application.post_init is not None  # run_polling would call it
        await application.post_init(application)
        commands = await application.bot.get_my_commands()
        assert {"privacy", "export", "delete"} <= {c.command for c in commands}
        description = await application.bot.get_my_description()
        assert "/privacy" in description.description


async def test_no_answer_is_stored_before_consent(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    async with running_bot(api, database_url):
        ann = FakeUser(api, 7002)
        await onboard(ann, consent=False)
        ann.send_command("/selftest")
        asking = await ann.wait_message_async(contains="consent")
        # Forged attempts to start or answer without consent store nothing.
        for data in ("st:new", "st:resume", "st:1:0:a", "st:999:0:-s"):
            await ann.wait_callback_answered_async(ann.tap_data(asking.message.message_id, data))
        assert await counts(database_url, 7002) == (0, 0)
        ann.tap("Yes, I agree", in_message=asking)
        await ann.wait_message_async(contains="1 of")
        assert await counts(database_url, 7002) == (1, 0)


async def test_export_is_a_json_file_of_own_data_only(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    async with running_bot(api, database_url):
        ann, bob = FakeUser(api, 7003, first_name="Ann"), FakeUser(api, 7004, first_name="Bob")
        await onboard(ann)
        await onboard(bob)
        await answer_first_step(ann, kb)
        await answer_first_step(bob, kb)
        ann.send_command("/export")
        sent = await ann.wait_message_async(predicate=lambda e: e.message.kind == "document")
        stored = sent.message.file
        assert stored is not None and (stored.filename or "").endswith(".json")
        data = json.loads(stored.data)
        assert data["athlete"]["id"] == 7003 and data["athlete"]["first_name"] == "Ann"
        assert len(data["tables"]["selftest_session"]) == 1
        assert "7004" not in stored.data.decode() and "Bob" not in stored.data.decode()

        stranger = FakeUser(api, 7005)
        stranger.send_command("/export")
        await stranger.wait_message_async(contains="don't store anything")


async def test_delete_after_confirmation_erases_everything(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    async with running_bot(api, database_url):
        ann, bob = FakeUser(api, 7006), FakeUser(api, 7007)
        await onboard(ann)
        await onboard(bob)
        await answer_first_step(ann, kb)
        ann.send_command("/delete")
        confirm = await ann.wait_message_async(contains="Delete everything?")
        await ann.wait_callback_answered_async(ann.tap("No, keep my data", in_message=confirm))
        await ann.wait_message_async(contains="Nothing was deleted")
        assert await counts(database_url, 7006) == (1, 0)

        # An old confirmation, or forged ones (a far-future time once crashed the handler),
        # delete nothing.
        data = next(d for row in confirm.buttons for _, d in row if d and d.startswith("pv:del"))
        old = re.sub(r"\d+$", "1000000000", data)
        ann.send_command("/delete")
        confirm = await ann.wait_message_async(contains="Delete everything?")
        await ann.wait_callback_answered_async(ann.tap_data(confirm.message.message_id, old))
        await ann.wait_message_async(contains="too old")
        for forged in ("pv:del:999999999999", "pv:del:-1", "pv:del:", "pv:delete"):
            await ann.wait_callback_answered_async(ann.tap_data(confirm.message.message_id, forged))
        assert await counts(database_url, 7006) == (1, 0)

        ann.send_command("/delete")
        await tap_when_shown(ann, "Yes, delete everything", contains="Delete everything?")
        await ann.wait_message_async(contains="everything I stored about you is deleted")

    db = Database(database_url)
    try:
        async with db.transaction() as session:
            assert await references_to(session, 7006) == []
            assert await foreign_key_orphans(session) == []
            assert await session.get(Athlete, 7007) is not None
    finally:
        await db.dispose()


async def test_withdraw_consent_in_settings_is_confirmed_then_erases(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    async with running_bot(api, database_url):
        ann = FakeUser(api, 7008)
        await onboard(ann)
        await answer_first_step(ann, kb)
        assert await counts(database_url, 7008) == (1, 0)
        ann.send_command("/settings")
        await tap_when_shown(ann, "Withdraw consent")
        await tap_when_shown(ann, "Yes, withdraw and erase", contains="unfinished self-test")
        await ann.wait_message_async(contains="Consent withdrawn")
        assert await counts(database_url, 7008) == (0, 0)
        ann.send_command("/settings")
        menu = await ann.wait_message_async(contains="Your reminders")
        assert all("Withdraw" not in text for row in menu.buttons for text, _ in row)
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            athlete = await session.get(Athlete, 7008)
            assert athlete is not None and athlete.consent_at is None
            assert athlete.onboarded_at is not None  # the account stays
    finally:
        await db.dispose()


async def test_forged_answer_for_another_athletes_session_changes_nothing(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    async with running_bot(api, database_url):
        ann, bob = FakeUser(api, 7009), FakeUser(api, 7010)
        await onboard(ann)
        await onboard(bob)
        ann.send_command("/selftest")
        question = await ann.wait_message_async(contains="1 of")
        ann_data = [d for row in question.buttons for _, d in row if d]
        bob.send_command("/help")
        helped = await bob.wait_message_async(contains="/privacy")
        db = Database(database_url)
        try:
            async with db.transaction() as session:
                before = (await session.scalars(select(SelftestSession))).all()
                snapshot = [(s.id, s.athlete_id, s.step_index, dict(s.answers)) for s in before]
            for data in ann_data:  # every one of Ann's buttons, tapped by Bob
                record = await bob.wait_callback_answered_async(
                    bob.tap_data(helped.message.message_id, data)
                )
                assert record.answered
            async with db.transaction() as session:
                after = (await session.scalars(select(SelftestSession))).all()
                assert [
                    (s.id, s.athlete_id, s.step_index, dict(s.answers)) for s in after
                ] == snapshot
        finally:
            await db.dispose()


async def test_delete_clears_a_coach_from_other_coaches_rows(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    """An admin invites Ann, Ann invites Bob; after Ann's /delete neither row names her."""
    admin = 7101
    async with running_bot(api, database_url, admin_ids=frozenset({admin})):
        boss, ann, bob = FakeUser(api, admin), FakeUser(api, 7102), FakeUser(api, 7103)
        await onboard(ann)
        for inviter, invitee in ((boss, ann), (ann, bob)):
            inviter.send_command("/invite_coach")
            link = await inviter.wait_message_async(contains="start=coach_")
            token = (link.text or "").split("start=coach_", 1)[1].split()[0]
            invitee.send_command("/start", f"coach_{token}")
            await invitee.wait_message_async(contains="You are now a coach")
        db = Database(database_url)
        try:
            async with db.transaction() as session:
                assert set(await references_to(session, 7102)) >= {
                    "coach.invited_by: 1",
                    "coach_invite.used_by: 1",
                }
        finally:
            await db.dispose()
        ann.send_command("/delete")
        await tap_when_shown(ann, "Yes, delete everything", contains="Delete everything?")
        await ann.wait_message_async(contains="everything I stored about you is deleted")
        bob.send_command("/stats")
        await bob.wait_message_async(contains="Groups: 0")

    db = Database(database_url)
    try:
        async with db.transaction() as session:
            assert await references_to(session, 7102) == []
            assert await foreign_key_orphans(session) == []
    finally:
        await db.dispose()


async def test_a_coach_without_a_profile_exports_and_deletes_their_records(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    """Carl coaches (as an admin) but never onboarded: his data is his groups and broadcasts.
    The export lists them; deleting takes them, and Ann, his athlete, just leaves the group."""
    carl_id = 7201
    async with running_bot(
        api, database_url, admin_ids=frozenset({carl_id}), dispatch_interval_seconds=0.2
    ):
        carl, ann = FakeUser(api, carl_id, first_name="Carl"), FakeUser(api, 7202)
        carl.send_command("/newgroup", "Hills")
        created = await carl.wait_message_async(contains="start=grp_")
        code = (created.text or "").split("start=grp_", 1)[1].split()[0]
        ann.send_command("/start", f"grp_{code}")
        await tap_when_shown(ann, kb.ui_text("group_join_yes", "en"))
        await ann.wait_message_async(contains="Hills")
        carl.send_command("/broadcast")
        await carl.wait_message_async(contains=kb.ui_text("broadcast_ask_text", "en")[:20])
        carl.send_text("Hill repeats moved to 19:00")
        await tap_when_shown(carl, "Hills")
        await tap_when_shown(carl, kb.ui_text("broadcast_send_now", "en"))
        await ann.wait_message_async(contains="Hill repeats moved")

        carl.send_command("/export")
        sent = await carl.wait_message_async(predicate=lambda e: e.message.kind == "document")
        assert "As a coach" in (sent.text or "")
        stored = sent.message.file
        assert stored is not None
        data = json.loads(stored.data)
        assert data["athlete"] is None
        assert [row["name"] for row in data["tables"]["training_group"]] == ["Hills"]
        assert [row["text_html"] for row in data["tables"]["broadcast"]] == [
            "Hill repeats moved to 19:00"
        ]
        assert "7202" not in stored.data.decode(), "Ann's data is hers, not in Carl's export"

        carl.send_command("/delete")
        confirm = await carl.wait_message_async(contains="Delete everything?")
        assert "no athlete profile" in (confirm.text or "")
        assert "athletes in your group (1) leave it" in (confirm.text or "")
        await carl.wait_callback_answered_async(
            carl.tap("Yes, delete everything", in_message=confirm)
        )
        await carl.wait_message_async(contains="their athletes have left them")

    db = Database(database_url)
    try:
        async with db.transaction() as session:
            assert await references_to(session, carl_id) == []
            assert await foreign_key_orphans(session) == []
            for table in (Coach, TrainingGroup, GroupMembership, Broadcast):
                assert await session.scalar(select(func.count()).select_from(table)) == 0
            assert await session.get(Athlete, 7202) is not None
    finally:
        await db.dispose()
