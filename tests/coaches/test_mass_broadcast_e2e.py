"""A broadcast to 1,000 athletes through the fake Bot API: blocked users, 429s, a restart.

Every reachable athlete gets exactly one copy, blocked ones none (and become
inactive), the report adds up, and stopping the bot mid-way and starting a new
one on the same database resumes without sending anyone the broadcast twice.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching import broadcasts, outbox
from coaching.coach_models import Broadcast
from coaching.db import Database
from coaching.models import Athlete
from coaching.outbox import Delivery
from fakeapi import FakeBotApi, FakeUser
from knowledge import KnowledgeBase
from tests.coaches.conftest import ADMIN, bot_settings
from tests.e2e.harness import running_bot, tap_when_shown
from tests.waits import wait_db

N = 1000
FIRST_ID = 300_001
TEXT = "<b>Club news</b>: hill repeats on Thursday"


async def add_athletes(db: Database) -> list[int]:
    ids = list(range(FIRST_ID, FIRST_ID + N))
    now = dt.datetime.now(dt.UTC)
    async with db.transaction() as session:
        await session.execute(
            insert(Athlete),
            [
                {
                    "id": i,
                    "first_name": f"A{i}",
                    "language": "en",
                    "consent_at": now,
                    "active": True,
                }
                for i in ids
            ],
        )
    return ids


def copies(api: FakeBotApi, chat_id: int) -> int:
    """Copies of the broadcast in a chat (its text, under the header naming the coach)."""
    return sum(1 for m in api.messages(chat_id) if (m.raw_text or "").endswith(TEXT))


@pytest.mark.one_database
async def test_thousand_recipients_blocked_429_and_restart(
    api: FakeBotApi, url: str, kb: KnowledgeBase
) -> None:
    db = Database(url)
    ids = await add_athletes(db)
    for athlete_id in ids:  # they wrote to the bot before, so it may write to them
        FakeUser(api, athlete_id, first_name=f"A{athlete_id}", started=True)
    blocked = set(ids[::10])  # 100 athletes have blocked the bot
    api.blocked_user_ids = blocked
    settings = bot_settings()

    # Paced at 200/s the first bot is still sending when it is stopped.
    async with running_bot(api, url, **(settings | {"send_rate_limit": 200})):
        coach = FakeUser(api, ADMIN, first_name="Coach")
        coach.send_command("/broadcast")
        await coach.wait_message_async(contains=kb.ui_text("broadcast_ask_text", "en")[:20])
        coach.send_text(TEXT)
        await tap_when_shown(coach, kb.ui_text("broadcast_to_all", "en"))
        summary = await coach.wait_message_async(contains=f"Recipients: {N:,} athletes")
        # Flood control: the next sends are refused with 429 (retry after 1 s).
        api.fail_next("sendMessage", 40, 429, retry_after=1)
        await coach.wait_callback_answered_async(
            coach.tap(kb.ui_text("broadcast_send_now", "en"), in_message=summary)
        )
        await coach.wait_message_async(contains=f"is being sent to {N:,} recipients")
        # Stop mid-way: a graceful stop lets the running dispatch pass record its sends.
        await api.wait_until_async(
            lambda: sum(copies(api, i) for i in ids[:400]) >= 150, 60, "a good part sent"
        )

    async with db.transaction() as session:
        sent_before = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.status == "sent")
        )
    assert sent_before is not None and 0 < sent_before < N - len(blocked), sent_before

    api.max_per_second = 150  # after the restart, the server also throttles on its own
    async with running_bot(api, url, **settings):

        async def finished(session: AsyncSession) -> bool:
            pending = await session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.status.in_(outbox.WAITING))
            )
            return pending == 0

        await wait_db(db, finished, "every delivery to be recorded", seconds=120)
        coach = FakeUser(api, ADMIN, first_name="Coach")
        coach.send_command("/broadcasts")
        listing = await coach.wait_message_async(contains="#1")
        assert f"athletes {N}: sent {N - len(blocked)}, pending 0, failed 0" in (listing.text or "")
        assert f"blocked {len(blocked)}" in (listing.text or "")

    assert api.count_429 >= 40  # the injected ones, plus any over max_per_second
    for athlete_id in ids:
        expected = 0 if athlete_id in blocked else 1
        assert copies(api, athlete_id) == expected, athlete_id

    async with db.transaction() as session:
        broadcast = await session.get(Broadcast, 1)
        assert broadcast is not None and broadcast.recipients == N
        report = await broadcasts.report(session, broadcast)
        assert report.pending == 0 and report.cancelled == 0
        assert report.sent + report.blocked + report.failed == N
        assert (report.sent, report.blocked, report.failed) == (N - len(blocked), len(blocked), 0)
        rows = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.ref_id == 1)
        )
        assert rows == N
        inactive = set(
            (await session.scalars(select(Athlete.id).where(Athlete.active.is_(False)))).all()
        )
        assert inactive == blocked
    await db.dispose()
