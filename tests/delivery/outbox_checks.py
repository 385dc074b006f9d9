"""A broadcast seeded straight into the outbox, and the check every fault test ends with:
each recipient got it exactly once, or is reported `unknown`; nobody twice, nobody lost."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

from sqlalchemy import func, insert, select

from coaching import outbox
from coaching.coach_models import Broadcast, Coach
from coaching.db import Database
from coaching.models import Athlete
from coaching.outbox import Delivery, Kind, Status
from fakeapi import FakeBotApi, FakeUser
from tests.waits import eventually

FIRST_ID = 500_001
COACH = 42
TEXT = "Track session moved: <b>Hills &amp; strides</b> at 18:00"


async def seed_broadcast(url: str, count: int) -> list[int]:
    """`count` athletes and one broadcast to all of them, already confirmed and due."""
    ids = list(range(FIRST_ID, FIRST_ID + count))
    now = dt.datetime.now(dt.UTC)
    db = Database(url)
    try:
        async with db.transaction() as session:
            await session.execute(
                insert(Athlete),
                [{"id": i, "first_name": f"A{i}", "language": "en", "active": True} for i in ids],
            )
            session.add(Coach(user_id=COACH, via="admin", created_at=now))
            await session.flush()
            broadcast = Broadcast(
                coach_id=COACH,
                text_html=TEXT,
                audience="all",
                recipients=count,
                send_at=now,
                created_at=now,
            )
            session.add(broadcast)
            await session.flush()
            await outbox.insert(
                session,
                [
                    outbox.planned(
                        Kind.BROADCAST,
                        f"b{broadcast.id}",
                        now,
                        now,
                        athlete_id=i,
                        expires=now + dt.timedelta(days=3),
                        ref_id=broadcast.id,
                    )
                    for i in ids
                ],
            )
    finally:
        await db.dispose()
    return ids


def introduce(api: FakeBotApi, ids: list[int]) -> None:
    """The athletes wrote to the bot before (as on Telegram, it may only write to them then)."""
    for athlete_id in ids:
        FakeUser(api, athlete_id, first_name=f"A{athlete_id}", started=True)


async def outbox_state(url: str) -> dict[int, str]:
    db = Database(url)
    try:
        async with db.transaction() as session:
            rows = await session.execute(select(Delivery.athlete_id, Delivery.status))
            return {int(athlete or 0): status for athlete, status in rows.tuples()}
    finally:
        await db.dispose()


async def waiting(url: str) -> int:
    """Rows not finished yet (pending, claimed or being sent)."""
    db = Database(url)
    try:
        async with db.transaction() as session:
            count = await session.scalar(
                select(func.count()).where(Delivery.status.in_(outbox.WAITING))
            )
            return int(count or 0)
    finally:
        await db.dispose()


async def wait_until_sent(url: str, alive: Callable[[], None] = lambda: None) -> None:
    """Until the outbox has nothing left to send; `alive()` raises if the bot died."""

    async def done() -> bool:
        alive()
        return await waiting(url) == 0

    await eventually(done, "the outbox to empty", within=180)


def copies(api: FakeBotApi, ids: list[int]) -> Counter[int]:
    """Copies of the broadcast per chat (its text, under the header naming the coach)."""
    return Counter(
        {i: sum(1 for m in api.messages(i) if (m.raw_text or "").endswith(TEXT)) for i in ids}
    )


async def exactly_once_or_unknown(api: FakeBotApi, ids: list[int], url: str) -> Counter[str]:
    """Assert the guarantee; return the counts (printed by the tests)."""
    got = copies(api, ids)
    state = await outbox_state(url)
    doubled = [i for i in ids if got[i] > 1]
    lost = [i for i in ids if got[i] == 0 and state[i] != Status.UNKNOWN]
    wrongly_sent = [i for i in ids if state[i] == Status.SENT and got[i] != 1]
    assert not doubled, f"{len(doubled)} recipients got the broadcast twice"
    assert not lost, f"{len(lost)} recipients never got it and are not reported unknown"
    assert not wrongly_sent, f"{len(wrongly_sent)} recorded sent but did not arrive once"
    assert set(state.values()) <= {Status.SENT, Status.UNKNOWN}, Counter(state.values())
    counts: Counter[str] = Counter()
    for i in ids:
        counts["once" if got[i] == 1 else "never"] += 1
        if state[i] == Status.UNKNOWN:
            counts["unknown"] += 1
            counts["unknown but arrived"] += got[i]
    return counts
