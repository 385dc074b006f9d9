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
PAID_LIMIT = 1000.0  # Telegram's limit for paid broadcasts, messages a second
PAID_RATE = PAID_LIMIT
HEADROOM = 0.98
"""Each instance keeps its sends 1 / (rate × HEADROOM) apart. Telegram counts requests
as they arrive, not as they were planned: sends that arrive closer together than they
left (the network, a busy machine, a pooled connection) must not make one second's
count cross the limit. 2 % is 20 ms a second of such jitter."""
LATE = dt.timedelta(seconds=1 - HEADROOM)
"""A send woken later than this takes a fresh instant on the shared pace: had it gone
out anyway, it would overlap another instance's planned sends by more than the
headroom leaves room for (a lateness of L puts L × rate extra sends into a second,
HEADROOM allows (1 - HEADROOM) × rate of them)."""


class Pace(Protocol):
    async def reserve(self, count: int) -> list[dt.datetime]:
        """Instants at which `count` sends may be made, the first possibly now; none
        while the lane is paused (the caller stops instead of holding rows through it)."""
        ...

    async def pause(self, seconds: float) -> None:
        """Telegram asked for a pause (429): nobody sends on this lane until it is over."""
        ...

    async def paused_for(self) -> float:
        """Seconds left of a pause, 0 when sending may go on."""
        ...

    async def wait_turn(self, instant: dt.datetime) -> None:
        """Wait for a reserved instant before sending (see `SharedPace.wait_turn`)."""
        ...

    def lend(self) -> None:
        """A reply to someone took one of the lane's turns (see `SharedPace.lend`)."""
        ...


class Unpaced:
    """No pacing (SEND_RATE_LIMIT=0, or tests): every send may go now; pauses still hold."""

    def __init__(self) -> None:
        self._paused_until = dt.datetime.min.replace(tzinfo=dt.UTC)

    async def reserve(self, count: int) -> list[dt.datetime]:
        now = utcnow()
        return [now] * count if self._paused_until <= now else []

    async def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, utcnow() + dt.timedelta(seconds=seconds))

    async def paused_for(self) -> float:
        return max(0.0, (self._paused_until - utcnow()).total_seconds())

    async def wait_turn(self, instant: dt.datetime) -> None:
        await wait_until(instant)

    def lend(self) -> None:
        pass


class SharedPace:
    """One lane's pace, kept in the database so all instances share it."""

    def __init__(self, db: Database, lane: str, rate: float) -> None:
        if rate <= 0:
            raise ValueError("a shared pace needs a positive rate")
        self.db = db
        self.lane = lane
        self.rate = rate
        self._next_turn = dt.datetime.min.replace(tzinfo=dt.UTC)
        self._lent = 0
        """Turns taken by replies since the last reservation, passed on to the shared pace."""
        self._late: list[asyncio.Future[dt.datetime | None]] = []
        """Late sends waiting for the one reservation that gives them fresh instants."""
        self._late_task: asyncio.Task[None] | None = None
        self.late_reservations = 0
        """Reservations made for late sends (each a transaction), for benchmarks."""

    async def _row(self, session: AsyncSession) -> SendPace:
        query = select(SendPace).where(SendPace.lane == self.lane)
        if self.db.dialect == "postgresql":
            query = query.with_for_update()
        row = (await session.scalars(query)).one_or_none()
        if row is None:  # the lane's first use (rows are never deleted)
            insert = sqlite.insert if self.db.dialect == "sqlite" else postgresql.insert
            await session.execute(
                insert(SendPace)
                .values(lane=self.lane, next_free_at=utcnow(), paused_until=None, rate=self.rate)
                .on_conflict_do_nothing()
            )
            row = (await session.scalars(query)).one()
        row.rate = self.rate
        return row

    async def reserve(self, count: int) -> list[dt.datetime]:
        # One transaction tells both whether the lane is paused and when to send.
        step = dt.timedelta(seconds=1 / self.rate)
        async with self.db.transaction() as session:
            row = await self._row(session)
            now = utcnow()
            if row.paused_until is not None and row.paused_until > now:
                return []
            # Time not used by anybody is not saved up for a burst later; turns
            # replies took go first, so every instance's sends leave room for them.
            lent, self._lent = self._lent, 0
            start = max(row.next_free_at, now) + step * lent
            row.next_free_at = start + step * count
        return [start + step * i for i in range(count)]

    def lend(self) -> None:
        """A reply to someone (a new message the bot sent outside the outbox) took a turn.

        Telegram counts every message the bot sends, replies included: a broadcast
        going out at the lane's full rate would leave none for them, and each reply
        would cost a 429. So a reply moves this instance's next send on by one turn
        at once, and the next reservation moves the shared pace on by the turns
        replies took, for every instance; the broadcast slows while people are
        talking to the bot, and never the other way round.
        """
        self._lent += 1
        now = utcnow()
        self._next_turn = max(self._next_turn, now) + dt.timedelta(seconds=1 / self.rate)

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

    async def wait_turn(self, instant: dt.datetime) -> None:
        """Wait for a reserved instant, then for this instance's next turn on the lane.

        Sends are planned 1/rate apart, but a busy event loop (or a process the
        machine did not run for a moment) wakes several of them late at once,
        and such a burst can push one second's count over Telegram's limit.
        So each send also keeps 1 / (rate × HEADROOM) after this instance's
        previous one, by the clock: after a stall the lane slips a little instead
        of bunching, and arrivals a little closer than that stay under the limit.
        """
        await wait_until(instant)
        now = utcnow()
        if now - instant > LATE:
            # Other instances have sends planned after that instant, so this send takes
            # a fresh instant rather than squeezing in between them.
            fresh = await self._fresh_instant()
            if fresh is not None:
                await wait_until(fresh)
                now = utcnow()
        turn = max(now, self._next_turn)
        self._next_turn = turn + dt.timedelta(seconds=1 / (self.rate * HEADROOM))
        await wait_until(turn)

    async def _fresh_instant(self) -> dt.datetime | None:
        """A fresh instant for a late send; None while the lane is paused.

        A stall wakes many sends late at once (a chunk's instants are a millisecond
        apart at 1000/s): they share one reservation, made once the loop has woken
        them all, rather than a transaction each, in the order they asked.
        """
        waiter: asyncio.Future[dt.datetime | None] = asyncio.get_running_loop().create_future()
        self._late.append(waiter)
        if len(self._late) == 1:
            self._late_task = asyncio.create_task(self._reserve_for_late())
        return await waiter

    async def _reserve_for_late(self) -> None:
        await asyncio.sleep(0)  # the other sends woken with the first join it
        waiting, self._late = self._late, []
        try:
            self.late_reservations += 1
            instants: list[dt.datetime | None] = [*await self.reserve(len(waiting))]
        except Exception as exc:  # each send that waited sees the failure as its own
            for waiter in waiting:
                if not waiter.done():
                    waiter.set_exception(exc)
            return
        except BaseException:
            for waiter in waiting:
                waiter.cancel()
            raise
        instants += [None] * (len(waiting) - len(instants))  # paused: none were given
        for waiter, instant in zip(waiting, instants, strict=True):
            if not waiter.done():
                waiter.set_result(instant)


async def wait_until(instant: dt.datetime) -> None:
    delay = (instant - utcnow()).total_seconds()
    if delay > 0:
        await asyncio.sleep(delay)
