"""Pacing of outbox sends under Telegram's global limit, shared by every instance.

Telegram counts a bot's messages across all its connections: two instances
that each keep to 30 messages/s together send 60 and collect 429s. So each
instance reserves its next sends in the database (`send_pace`, one row per
lane) before making them: a reservation of n sends moves the lane's
`next_free_at` on by n / `planned_rate`, under a row lock, and the instance sends them
at the instants it was given. A 429's `retry_after` pauses the whole lane for
every instance (`paused_until`). Replies to people take their turns from the
ordinary lane (`SharedPace.reply_turn`): they wait at most in turn with the
broadcast's sends that are due, never behind the whole broadcast, which makes
room for them.

Times here are wall-clock time, whatever clock plans the deliveries.
"""

from __future__ import annotations

import asyncio
import bisect
import datetime as dt
import math
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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
"""Each lane plans floor(rate × HEADROOM) sends a second, at least one under the limit.
Telegram counts requests as they arrive, not as they were planned: sends that arrive
closer together than they left (the network, a busy machine, a pooled connection) must
not make one second's count cross the limit. At 1000/s that is 20 sends a second of
such jitter; at 30/s, one."""
WINDOW = 1.0
"""Telegram's limits are counted over a sliding second."""
JITTER = (1 - HEADROOM) * WINDOW
"""How much closer together than they left sends may arrive and still count under the
limit: what the headroom leaves (a whole second's planned sends and this much more
make up the limit)."""
LATE = dt.timedelta(seconds=JITTER)
"""A send woken later than this, at an instant another instance may have planned its
own sends after, takes a fresh instant on the shared pace: had it gone out anyway, it
would overlap them by more than the headroom leaves room for (a lateness of L puts
L × rate extra sends into a second, HEADROOM allows (1 - HEADROOM) × rate of them)."""
CATCH_UP = 2
"""After a stall, sends woken together go out at up to twice the lane's rate, never in one
burst: a burst would queue at the other end and arrive there closer still."""


def planned_rate(rate: float) -> int:
    """Sends a second a lane plans: `HEADROOM` under Telegram's limit, and at least one less."""
    return max(1, min(math.floor(rate * HEADROOM), math.ceil(rate) - 1))


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

    async def reply_turn(self) -> None:
        """Wait for room for a reply to someone, which takes one of the lane's turns
        (see `SharedPace.reply_turn`)."""
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

    async def reply_turn(self) -> None:
        pass


class SharedPace:
    """One lane's pace, kept in the database so all instances share it.

    Two rules keep the lane under Telegram's limit. Across instances: every send
    has an instant reserved on the shared pace, `planned_rate` a second, and goes
    at that instant or a little later (`LATE`). Within this instance: its sends
    (and the replies it makes, `reply_turn`) never number more than the limit
    in any second and `JITTER`, by the clock (`_take_turn`). A send woken late
    after a stall therefore goes as soon as the second has room, without
    giving up its place, as long as no other instance's instants lie between
    its own and now (`_own_until`); otherwise it takes a fresh instant.
    """

    def __init__(self, db: Database, lane: str, rate: float) -> None:
        if rate <= 0:
            raise ValueError("a shared pace needs a positive rate")
        self.db = db
        self.lane = lane
        self.rate = rate
        self.per_second = planned_rate(rate)
        self.limit = max(1, math.floor(rate))
        self.step = dt.timedelta(seconds=1 / self.per_second)
        self._gap = 1 / (self.per_second * CATCH_UP)
        self._sent: deque[list[float]] = deque()
        """When this instance's recent sends on the lane went or will go (monotonic seconds,
        in a list each so that a send woken late can correct its own)."""
        self._gone = 0
        """Sends dropped off the front of `_sent`: a send's place less this is its index."""
        self._lent = 0
        """Turns taken by replies since the last reservation, passed on to the shared pace."""
        self._own: list[tuple[dt.datetime, dt.datetime]] = []
        """Stretches of the shared pace only this instance reserved instants in, oldest first."""
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
        async with self.db.transaction() as session:
            row = await self._row(session)
            now = utcnow()
            if row.paused_until is not None and row.paused_until > now:
                return []
            # Time not used by anybody is not saved up for a burst later; turns
            # replies took go first, so every instance's sends leave room for them.
            lent, self._lent = self._lent, 0
            free_from = row.next_free_at
            start = max(free_from, now) + self.step * lent
            row.next_free_at = start + self.step * count
        self._note_own(free_from, now, row.next_free_at)
        return [start + self.step * i for i in range(count)]

    def _note_own(self, free_from: dt.datetime, now: dt.datetime, until: dt.datetime) -> None:
        """Remember that the pace up to `until` is this instance's from where it was free.

        When the pace was free from where this instance's last stretch ended (nobody
        reserved in between), the new stretch continues the last one: any time
        between them was nobody's.
        """
        begin = max(free_from, now)
        if self._own and free_from <= self._own[-1][1]:
            begin, _ = self._own.pop()
        self._own.append((begin, until))
        horizon = now - dt.timedelta(minutes=1)
        while len(self._own) > 1 and self._own[0][1] < horizon:
            self._own.pop(0)

    def _own_until(self, instant: dt.datetime) -> dt.datetime | None:
        """Where the stretch of this instance's own instants that holds `instant` ends."""
        at = bisect.bisect_right(self._own, (instant, dt.datetime.max.replace(tzinfo=dt.UTC)))
        if at and self._own[at - 1][0] <= instant <= self._own[at - 1][1]:
            return self._own[at - 1][1]
        return None

    async def _take_turn(self) -> None:
        """Wait for this instance's next turn on the lane: at most Telegram's limit in any
        second and `JITTER` (so that they arrive at most that much closer together
        than they left and still count under the limit), and none closer than `_gap`
        after the one before, so that sends woken together go out spread rather
        than all at once.

        Each turn is counted from when its send really went: a busy loop wakes
        sends late, and counting them at their planned time would let the next
        second's sends crowd in behind them. So a send that waited checks again
        once woken, against when the sends before it really went.
        """
        sent = self._sent
        now = time.monotonic()
        while sent and sent[0][0] <= now - WINDOW - JITTER:
            sent.popleft()
            self._gone += 1
        place = self._gone + len(sent)
        mine = [now]
        sent.append(mine)
        while (at := place - self._gone) > 0:  # else its second is long past
            turn = sent[at - 1][0] + self._gap
            if at >= self.limit:
                turn = max(turn, sent[at - self.limit][0] + WINDOW + JITTER)
            if turn <= now:
                break
            mine[0] = turn
            await asyncio.sleep(turn - now)
            now = time.monotonic()
        mine[0] = now
        _SENDING.set(mine)

    async def reply_turn(self) -> None:
        """A reply to someone (a new message the bot sends outside the outbox) takes a turn.

        Telegram counts every message the bot sends, replies included: a broadcast
        going out at the lane's full rate would leave none for them, and each reply
        would cost a 429. So a reply waits, if it must, for room in this instance's
        second, in turn with the broadcast's sends that are due (a few tens of
        milliseconds on the ordinary lane); and the next reservation moves
        the shared pace on by the turns replies took, for every instance. The
        broadcast slows while people are talking to the bot, never the other way round.
        """
        self._lent += 1
        await self._take_turn()

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
        """Wait for a reserved instant and for room in this instance's second.

        A busy event loop (or a process the machine did not run for a moment)
        wakes sends late, several at once. Within this instance's own stretch of
        the pace they go as soon as its second has room: no other instance planned
        sends there, and the count per second keeps the burst under the limit, so
        the lane loses nothing to the stall. A send late past its stretch takes a
        fresh instant rather than squeezing in between another instance's sends.
        """
        await wait_until(instant)
        now = utcnow()
        if now - instant > LATE:
            own_until = self._own_until(instant)
            if own_until is None or now > own_until:
                fresh = await self._fresh_instant()
                if fresh is not None:
                    await wait_until(fresh)
        await self._take_turn()

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


WRITTEN_LATE = JITTER / 2
"""A request going this long after its send's turn moves the turn to when it goes. A
shorter delay, the usual one, is left to the headroom: counting every send from its
request would make each second wait for the last one's delay, and the lane slower."""
_SENDING: ContextVar[list[float] | None] = ContextVar("hipcoach_sending", default=None)
"""The stamp of the send whose turn this task took last, until its request is over."""


@contextmanager
def request_going() -> Iterator[None]:
    """Around the HTTP request of a send, from just before it is written.

    A turn is taken before the request is built: on a busy loop (a burst of
    updates, each a transaction) the request can go later than the jitter the
    headroom allows for, by a different amount for each send, and sends that
    left their turns a second apart would arrive closer together than that. So
    the send whose turn this task took counts from here, when its request really
    goes, if that is more than `WRITTEN_LATE` after its turn; and once it is
    over, the task's next requests (an edit, which takes no turn) are not that
    send's.
    """
    stamp = _SENDING.get()
    now = time.monotonic()
    if stamp is not None and now - stamp[0] > WRITTEN_LATE:
        stamp[0] = now
    try:
        yield
    finally:
        _SENDING.set(None)


async def wait_until(instant: dt.datetime) -> None:
    delay = (instant - utcnow()).total_seconds()
    if delay > 0:
        await asyncio.sleep(delay)
