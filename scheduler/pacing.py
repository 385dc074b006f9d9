"""Pacing of outbox sends under Telegram's global limit, shared by every instance.

Telegram counts a bot's messages across all its connections: two instances
that each keep to 30 messages/s together send 60 and collect 429s. So each
instance reserves its next sends in the database (`send_pace`, one row per
lane) before making them: a reservation of n sends moves the lane's
`next_free_at` on by n / rate, under a row lock, and the instance sends them
at the instants it was given. A 429's `retry_after` pauses the whole lane for
every instance (`paused_until`); replies to people do not go through here and
never wait behind it.

Times here are wall-clock time, whatever clock plans the deliveries.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.base import utcnow
from coaching.db import Database
from coaching.outbox import SendPace

FREE = "free"  # ordinary messages: about 30 a second for the whole bot
PAID = "paid"  # paid broadcasts: up to 1000 a second
PAID_RATE = 1000.0


class Pace(Protocol):
    async def reserve(self, count: int) -> list[dt.datetime]:
        """Instants at which `count` sends may be made, the first possibly now."""
        ...

    async def pause(self, seconds: float) -> None:
        """Telegram asked for a pause (429): nobody sends on this lane until it is over."""
        ...

    async def paused_for(self) -> float:
        """Seconds left of a pause, 0 when sending may go on."""
        ...


class Unpaced:
    """No pacing (SEND_RATE_LIMIT=0, or tests): every send may go now; pauses still hold."""

    def __init__(self) -> None:
        self._paused_until = dt.datetime.min.replace(tzinfo=dt.UTC)

    async def reserve(self, count: int) -> list[dt.datetime]:
        start = max(utcnow(), self._paused_until)
        return [start] * count

    async def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, utcnow() + dt.timedelta(seconds=seconds))

    async def paused_for(self) -> float:
        return max(0.0, (self._paused_until - utcnow()).total_seconds())


class SharedPace:
    """One lane's pace, kept in the database so all instances share it."""

    def __init__(self, db: Database, lane: str, rate: float) -> None:
        if rate <= 0:
            raise ValueError("a shared pace needs a positive rate")
        self.db = db
        self.lane = lane
        self.rate = rate

    async def _row(self, session: AsyncSession) -> SendPace:
        insert = sqlite.insert if self.db.dialect == "sqlite" else postgresql.insert
        await session.execute(
            insert(SendPace)
            .values(lane=self.lane, next_free_at=utcnow(), paused_until=None, rate=self.rate)
            .on_conflict_do_nothing()
        )
        query = select(SendPace).where(SendPace.lane == self.lane)
        if self.db.dialect == "postgresql":
            query = query.with_for_update()
        row = (await session.scalars(query)).one()
        row.rate = self.rate
        return row

    async def reserve(self, count: int) -> list[dt.datetime]:
        step = dt.timedelta(seconds=1 / self.rate)
        async with self.db.transaction() as session:
            row = await self._row(session)
            now = utcnow()
            start = max(row.next_free_at, now, row.paused_until or now)
            # Time not used by anybody is not saved up for a burst later.
            row.next_free_at = start + step * count
        return [start + step * i for i in range(count)]

    async def pause(self, seconds: float) -> None:
        async with self.db.transaction() as session:
            row = await self._row(session)
            until = utcnow() + dt.timedelta(seconds=seconds)
            if row.paused_until is None or row.paused_until < until:
                row.paused_until = until

    async def paused_for(self) -> float:
        async with self.db.transaction() as session:
            paused_until = await session.scalar(
                select(SendPace.paused_until).where(SendPace.lane == self.lane)
            )
        if paused_until is None:
            return 0.0
        return max(0.0, (paused_until - utcnow()).total_seconds())


async def wait_until(instant: dt.datetime) -> None:
    delay = (instant - utcnow()).total_seconds()
    if delay > 0:
        await asyncio.sleep(delay)
