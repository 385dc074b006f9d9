"""Names with invisible characters: the athlete onboards, the coach's group and chat link.

A NUL byte in a first name once made PostgreSQL refuse the athlete's row, so
that person could never get past /start; a right-to-left override in a name
reversed the text after it in the coach's overview. Names are cleaned where
they come in (`coaching.names.clean_name`), and a coach's message loses its NUL
bytes: the same flows run on SQLite and, in the PostgreSQL run
(TEST_DATABASE_URL), on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from coaching.coach_models import BroadcastDraft, GroupChat, TrainingGroup
from coaching.db import Database
from coaching.models import Athlete
from fakeapi import FakeBotApi, FakeUser
from knowledge import KnowledgeBase
from tests.e2e.harness import running_bot, tap_when_shown

COACH = 3901
ANN = 3902
GROUP_CHAT = -1003903


def settings() -> dict[str, Any]:
    return {"admin_ids": frozenset({COACH}), "send_rate_limit": 0, "plan_interval_seconds": 3600}


async def test_a_first_name_with_nul_and_bidi_override_onboards(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    ann = FakeUser(api, ANN, first_name="An\x00n\u202e\u200b Lee\u2066")
    db = Database(database_url)
    try:
        async with running_bot(api, database_url, **settings()):
            ann.send_command("/start")
            welcome = await ann.wait_message_async(contains="Hip Coach")
            assert "Hi Ann Lee!" in (welcome.text or "")
            await tap_when_shown(ann, kb.ui_text("consent_yes", "en"))
            await tap_when_shown(ann, "Europe/Helsinki")
            await tap_when_shown(ann, "Tue")
            await tap_when_shown(ann, kb.ui_text("done", "en"))
            await tap_when_shown(ann, "07:00")
            await tap_when_shown(ann, kb.ui_text("no", "en"), contains="triathlon")
            await ann.wait_message_async(contains="/selftest")
        async with db.transaction() as session:
            athlete = await session.get(Athlete, ANN)
            assert athlete is not None
            assert athlete.first_name == "Ann Lee"
            assert athlete.onboarded_at is not None
    finally:
        await db.dispose()


async def test_group_names_and_chat_titles_are_cleaned(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    coach = FakeUser(api, COACH, first_name="Coach")
    db = Database(database_url)
    try:
        async with running_bot(api, database_url, **settings()):
            coach.send_command("/newgroup", "Hill\x00s \u202eclub\u202c")
            created = await coach.wait_message_async(contains="start=grp_")
            assert "Hills club" in (created.text or "")
            code = (created.text or "").split("start=grp_", 1)[1].split()[0]

            coach.send_command("/newgroup", "\u200b\x00\u2066")  # nothing visible is left
            await coach.wait_message_async(contains="Give the group a name")

            api.add_bot_to_group(GROUP_CHAT, "Trail\x00 \u202eRunners", coach)
            await coach.wait_message_async(contains="Which training group", chat_id=GROUP_CHAT)
            coach.send_command("/linkgroup", code, chat_id=GROUP_CHAT)
            await coach.wait_message_async(contains="broadcasts of", chat_id=GROUP_CHAT)

            coach.send_command("/broadcast")  # a NUL in a message is dropped too
            await coach.wait_message_async(contains=kb.ui_text("broadcast_ask_text", "en")[:20])
            coach.send_text("Hills\x00 at 19:00")
            await coach.wait_message_async(contains=kb.ui_text("broadcast_ask_audience", "en"))
        async with db.transaction() as session:
            names = (await session.scalars(select(TrainingGroup.name))).all()
            assert names == ["Hills club"]
            chat = await session.get(GroupChat, GROUP_CHAT)
            assert chat is not None and chat.title == "Trail Runners"
            draft = await session.scalar(select(BroadcastDraft))
            assert draft is not None and draft.text_html == "Hills at 19:00"
    finally:
        await db.dispose()
