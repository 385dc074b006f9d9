"""One person sending hundreds of messages at once does not hold up everybody else.

Hip Coach handles each person's updates in turn; before the cap, 1,500
messages from one user in 6 s left other users up to 34 s without a reply,
because every queued message of the flooder sat on a concurrency slot. Now
the flooder's surplus is dropped, they are asked once to slow down, and
another athlete's /help is answered meanwhile.
"""

from __future__ import annotations

import asyncio

from fakeapi import FakeBotApi, FakeUser
from knowledge import KnowledgeBase
from tests.e2e.harness import running_bot

FLOODER, OTHER = 9201, 9202
FLOOD = 600


async def test_a_flood_from_one_user_leaves_room_for_the_others(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    flooder = FakeUser(api, FLOODER, first_name="Flo")
    for number in range(FLOOD):
        flooder.send_text(f"message {number}")
    other = FakeUser(api, OTHER, first_name="Ola")
    other.send_command("/help")

    async with running_bot(api, database_url) as application:
        await other.wait_message_async(contains="/privacy")
        # Every update fetched and handled (or dropped): nothing more will be sent.
        await api.wait_until_async(lambda: api.pending_updates == 0, 30, "all updates fetched")
        await asyncio.wait_for(application.update_queue.join(), 30)

    slow_down = kb.ui_text("slow_down", "en")
    replies = [message.text for message in api.messages(FLOODER)]
    assert replies.count(slow_down) == 1, replies
    assert len(replies) <= FLOOD // 10, f"{len(replies)} replies to a flood of {FLOOD}"
