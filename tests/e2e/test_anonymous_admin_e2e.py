"""An anonymous group admin sends /linkgroup: a clear answer in the group, nothing linked.

Telegram shows an anonymous admin's message as sent by the group itself
(`sender_chat`), with `from` left out or set to its placeholder
@GroupAnonymousBot. The bot cannot tell whether that admin is the group's coach,
so it says so (instead of failing and posting "something went wrong") and links
nothing; the same coach, not anonymous, then links the chat.
"""

from __future__ import annotations

import datetime as dt

from telegram import Message, MessageEntity, User

from coaching.coach_models import GroupChat
from coaching.db import Database
from fakeapi import FakeBotApi, FakeUser
from knowledge import KnowledgeBase
from tests.e2e.harness import running_bot

COACH = 3801
GROUP_CHAT = -1003802
GROUP_ANONYMOUS_BOT = User(1087968824, "Group", is_bot=True, username="GroupAnonymousBot")


def post_as_group(api: FakeBotApi, text: str, from_user: User | None) -> None:
    """Queue a command in the group chat sent as the group, the way Telegram sends it."""
    chat = api.chat(GROUP_CHAT)
    command = text.split()[0]
    message = Message(
        message_id=api.new_message_id(GROUP_CHAT),
        date=dt.datetime.now(dt.UTC),
        chat=chat,
        sender_chat=chat,
        from_user=from_user,
        text=text,
        entities=[MessageEntity(MessageEntity.BOT_COMMAND, 0, len(command))],
    )
    api.push_update("message", message)


async def test_anonymous_admin_is_told_and_nothing_is_linked(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    anonymous = kb.ui_text("coach_anonymous", "en")
    coach = FakeUser(api, COACH, first_name="Coach")
    db = Database(database_url)
    try:
        async with running_bot(api, database_url, admin_ids=frozenset({COACH}), send_rate_limit=0):
            coach.send_command("/newgroup", "Hills")
            created = await coach.wait_message_async(contains="start=grp_")
            code = (created.text or "").split("start=grp_", 1)[1].split()[0]
            api.add_bot_to_group(GROUP_CHAT, "Club chat", coach)
            await coach.wait_message_async(contains="Which training group", chat_id=GROUP_CHAT)

            for sender in (None, GROUP_ANONYMOUS_BOT):
                post_as_group(api, f"/linkgroup {code}", from_user=sender)
                await coach.wait_message_async(contains=anonymous[:40], chat_id=GROUP_CHAT)
            async with db.transaction() as session:
                assert await session.get(GroupChat, GROUP_CHAT) is None

            coach.send_command("/linkgroup", code, chat_id=GROUP_CHAT)
            await coach.wait_message_async(contains="broadcasts of", chat_id=GROUP_CHAT)

        said = [m.text or "" for m in api.messages(GROUP_CHAT)]
        assert sum(anonymous in text for text in said) == 2
        assert not [text for text in said if kb.ui_text("error", "en") in text]
        async with db.transaction() as session:
            linked = await session.get(GroupChat, GROUP_CHAT)
            assert linked is not None and linked.linked_by == COACH
    finally:
        await db.dispose()
