"""Dispatch: send due outbox rows at the shared pace, at most once each.

Run by the `dispatch` job every few seconds. A pass leases a batch of due rows
(`coaching.outbox.claim`), composes each message, and then, a chunk at a time:
reserves send instants on the lane's shared pace, marks the chunk as being
attempted (committed before any request goes out), sends, and records:

- sent → `sent`, with Telegram's message id (tips are remembered in `tip_sent`);
- surely not sent (429, connection refused, 502/503/504) → back to `pending`,
  after `retry_after` or an exponential back-off, until the row's own expiry;
  a 429 also pauses the lane for every instance;
- blocked (403, or the chat is gone) → `blocked`: the athlete becomes inactive,
  or the group chat is unlinked;
- may have been sent (read timeout, 500) → `unknown`: a duplicate is worse than
  a gap, so it is never resent automatically (the coach can, from the report);
- a permanent refusal → `failed`.

While Telegram is failing the circuit breaker stops the pass and gives back
every row not yet attempted, instead of burning the queue. Rows whose time is
over (a warm-up after its run started) are `expired`; paused or switched-off
kinds are `skipped`. If the process dies, its leases run out: rows it never
attempted go back to the queue, the few in flight become `unknown`.

At a paid broadcast's 1000 messages/s the database work would leave gaps in the
sending, so it overlaps with it: the next batch is claimed while the current one
goes out, and a paced chunk's successor is reserved and marked shortly before
the chunk's last send (`LEAD`), then waits for its own instants. At most two
chunks are outstanding. A send whose instant comes after Telegram's trouble
showed (the breaker opened, a 429 paused the lane, the bot is stopping) is not
made: it goes back to the queue as surely not sent. A short pause (a 429's
usual second, `SHORT_PAUSE`) is waited out and the pass goes on. Unpaced chunks (all sends
at once) go one after the other, as before.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import case, delete, event, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coaching import outbox, reminders
from coaching.coach_models import GroupChat
from coaching.db import Database
from coaching.models import Athlete
from coaching.outbox import Delivery, Kind, Status
from coaching.reminders import Toggle
from coaching.reminders.models import ReminderSettings, TipSent
from scheduler.breaker import BreakerState, CircuitBreaker
from scheduler.pacing import FREE, PAID, Pace, Unpaced, wait_until
from scheduler.planner import unschedule
from scheduler.sender import MessageComposer, Outcome, OutgoingMessage, Sender, SendResult

log = logging.getLogger(__name__)

BATCH = 100
CONCURRENCY = 16  # sends per chunk on the ordinary lane: half a second at 30/s
PAID_CONCURRENCY = 100  # sends per chunk on the paid lane: a tenth of a second at 1000/s
LEAD = dt.timedelta(milliseconds=50)  # the next chunk is prepared this long before it is due
FIRST_BACKOFF = 5.0  # seconds before the first retry of a send that surely did not happen
MAX_BACKOFF = 300.0
SHORT_PAUSE = 5.0
"""A 429's pause up to this long (Telegram's usual is a second) is waited out within the
pass: ending the pass would leave the batch to the dispatch job's next run, seconds later."""

_TOGGLES = {
    Kind.TIP: Toggle.TIPS,
    Kind.WARMUP: Toggle.WARMUPS,
    Kind.SNOOZE: Toggle.WARMUPS,
    Kind.CHECKIN: Toggle.CHECKINS,
    Kind.RETEST: Toggle.RETESTS,
}


UNPAUSED = (Kind.BROADCAST, Kind.GROUP_POST, Kind.RELAY, Kind.DIGEST)
"""Messages from or to a person, not reminders: an athlete's pause does not hold them back."""

Composers = Mapping[str, MessageComposer]


@dataclass
class DispatchReport:
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, status: str, how_many: int = 1) -> None:
        self.outcomes[status] = self.outcomes.get(status, 0) + how_many

    def __getitem__(self, status: str) -> int:
        return self.outcomes.get(status, 0)


@dataclass
class Claimed:
    delivery_id: int
    message: OutgoingMessage
    tip: tuple[int, str] | None = None  # (athlete, tip id) to remember once it is sent


NOT_SENT = SendResult(Outcome.RETRY, retry_after=0.0, error="not sent: sending stopped first")
"""A marked send that was never made: back to the queue at once (no back-off, no pause)."""


@dataclass
class _Chunk:
    """Sends on their way: the task gathering their results, and when the last is due."""

    task: asyncio.Task[list[tuple[Claimed, SendResult]]]
    last_at: dt.datetime
    spread: bool  # paced (instants apart), not all at once


def _lane(message: OutgoingMessage) -> str:
    return PAID if message.paid else FREE


def backoff(attempts: int, first: float = FIRST_BACKOFF) -> dt.timedelta:
    """5 s, 10 s, 20 s ... up to 5 minutes between tries of a send Telegram never got."""
    return dt.timedelta(seconds=min(MAX_BACKOFF, first * 2 ** max(0, attempts - 1)))


def _skip_reason(
    delivery: Delivery,
    athlete: Athlete | None,
    settings: ReminderSettings | None,
    now: dt.datetime,
) -> Status | None:
    """Why a due delivery must not be sent now, if it must not."""
    if delivery.athlete_id is not None and (athlete is None or not athlete.active):
        return Status.SKIPPED
    if now > outbox.expires_at(delivery):
        return Status.EXPIRED
    if delivery.kind in UNPAUSED or settings is None:
        return None
    if reminders.is_paused(settings, now):
        return Status.SKIPPED
    toggle = _TOGGLES.get(Kind(delivery.kind))
    if toggle is not None and not reminders.is_enabled(settings, toggle):
        return Status.SKIPPED
    return None


class Dispatcher:
    """One instance's sender of the outbox; keeps its breaker between passes.

    `composers` maps a delivery kind to what composes it (a kind without one
    uses `default`). Each instance has its own `claimer` name for its leases.
    """

    def __init__(
        self,
        db: Database,
        sender: Sender,
        composers: Composers,
        *,
        default: MessageComposer | None = None,
        paces: Mapping[str, Pace] | None = None,
        breaker: CircuitBreaker | None = None,
        lease: dt.timedelta = outbox.DEFAULT_LEASE,
        batch: int = BATCH,
        concurrency: int = CONCURRENCY,
        paid_concurrency: int = PAID_CONCURRENCY,
        claimer: str | None = None,
        first_backoff: float = FIRST_BACKOFF,
    ) -> None:
        self.db = db
        self.sender = sender
        self.composers = composers
        self.default = default
        unpaced = Unpaced()
        self.paces: Mapping[str, Pace] = paces or {FREE: unpaced, PAID: unpaced}
        self.breaker = breaker or CircuitBreaker()
        self.lease = lease
        self.batch = batch
        self.concurrency = concurrency
        self.paid_concurrency = paid_concurrency
        self.claimer = claimer or f"d-{uuid.uuid4().hex[:12]}"
        self.first_backoff = first_backoff
        self._halted = False  # this pass saw Telegram fail: no more sends
        self._paused: set[str] = set()  # lanes this pass saw a 429 on

    async def stop(self) -> None:
        """Give back what this instance claimed and never attempted; close the sender."""
        async with self.db.transaction() as session:
            released = await outbox.release(session, self.claimer)
        if released:
            log.info("%d claimed deliveries given back at shutdown", released)
        close = getattr(self.sender, "close", None)
        if close is not None:
            await close()

    # ------------------------------------------------------------------ the loop

    async def run(
        self,
        clock: Callable[[], dt.datetime],
        budget: dt.timedelta,
        keep_going: Callable[[], bool] = lambda: True,
    ) -> DispatchReport:
        """Send while rows are due, for at most `budget` of wall time, while `keep_going()`."""
        report = DispatchReport()
        async with self.db.transaction() as session:
            requeued, unknown = await outbox.reap(session)
        if requeued or unknown:
            log.warning(
                "an instance stopped mid-send: %d deliveries requeued (never attempted), "
                "%d recorded unknown (may have arrived)",
                requeued,
                unknown,
            )
        deadline = time.monotonic() + budget.total_seconds()
        self._halted, self._paused = False, set()
        if not self.breaker.allowance(1):
            log.warning(
                "Telegram is failing: sending paused for %.0f s", self.breaker.seconds_left()
            )
        else:

            def more() -> bool:
                return (
                    time.monotonic() < deadline
                    and keep_going()
                    and not self._halted
                    and self.breaker.allowance(1) > 0
                )

            claims = _Claims(self, clock, report, more)
            await self._send_all(claims, clock, report, keep_going)
        if report.outcomes:
            log.info("dispatched %s", report.outcomes)
        return report

    async def _claim(self, now: dt.datetime, report: DispatchReport) -> tuple[list[Claimed], bool]:
        """Lease and compose a batch; also whether it was full (more may be due)."""
        claimed: list[Claimed] = []
        async with self.db.transaction() as session:
            _keep_loaded(session)
            rows = await outbox.claim(session, now, self.batch, self.claimer, self.lease)
            athletes, settings_of = await _recipients(session, rows)
            for delivery in rows:
                athlete = athletes.get(delivery.athlete_id or 0)
                settings = settings_of.get(delivery.athlete_id or 0)
                reason = _skip_reason(delivery, athlete, settings, now)
                if reason is Status.EXPIRED:
                    log.warning(
                        "dropped as expired: %s #%d, due %s (%s late)",
                        delivery.kind,
                        delivery.id,
                        delivery.due_at.isoformat(),
                        now - delivery.due_at,
                    )
                if reason is not None:
                    outbox.finish(delivery, reason, now)
                    report.count(reason)
                    continue
                composer = self.composers.get(delivery.kind, self.default)
                message = (
                    await composer.compose(session, delivery, athlete, now) if composer else None
                )
                if message is None:
                    outbox.finish(delivery, Status.SKIPPED, now, "nothing to send")
                    report.count(Status.SKIPPED)
                    continue
                claimed.append(Claimed(delivery.id, message, _tip_of(delivery)))
        return claimed, len(rows) >= self.batch

    async def _send_all(
        self,
        claims: _Claims,
        clock: Callable[[], dt.datetime],
        report: DispatchReport,
        keep_going: Callable[[], bool],
    ) -> None:
        """Send claimed rows a chunk at a time until none are left or sending must stop;
        give back whatever was claimed and not attempted."""
        queue: deque[Claimed] = deque()
        flying: deque[_Chunk] = deque()
        recording: asyncio.Task[None] | None = None

        async def settle(chunk: _Chunk) -> None:
            nonlocal recording
            results = await chunk.task
            if recording is not None:
                await recording
            recording = asyncio.create_task(self._record(results, clock(), report))

        try:
            while True:
                if not queue:
                    queue.extend(await claims.take())
                    if not queue:
                        break
                while flying and (
                    len(flying) > 1
                    or not flying[-1].spread
                    or self.breaker.state is not BreakerState.CLOSED
                ):
                    await settle(flying.popleft())
                if flying:  # prepare the next chunk shortly before it is due
                    await wait_until(flying[-1].last_at - LEAD)
                lane = _lane(queue[0].message)
                if lane in self._paused and not await self._wait_out_pause(lane, keep_going):
                    break
                allowed = self.breaker.allowance(self._chunk_size(lane))
                if not allowed or not self._may_send(lane, keep_going):
                    break
                chunk = [queue.popleft()]
                while len(chunk) < allowed and queue and _lane(queue[0].message) == lane:
                    chunk.append(queue.popleft())
                instants = await self.paces[lane].reserve(len(chunk))
                if not instants:  # the lane is paused (a 429, maybe seen by another instance)
                    queue.extendleft(reversed(chunk))
                    if await self._wait_out_pause(lane, keep_going):
                        continue
                    break
                async with self.db.transaction() as session:
                    started = await outbox.start_attempts(
                        session, [item.delivery_id for item in chunk], self.claimer, self.lease
                    )
                timed = [
                    (item, at)
                    for item, at in zip(chunk, instants, strict=True)
                    if item.delivery_id in started
                ]
                task = asyncio.create_task(self._send_chunk(timed, lane, keep_going))
                flying.append(_Chunk(task, instants[-1], spread=instants[-1] > instants[0]))
        finally:
            while flying:
                await settle(flying.popleft())
            if recording is not None:
                await recording
            unsent = [item.delivery_id for item in queue] + await claims.close()
            if unsent:
                async with self.db.transaction() as session:
                    await outbox.release(session, self.claimer, unsent)

    async def _wait_out_pause(self, lane: str, keep_going: Callable[[], bool]) -> bool:
        """Wait for the lane's pause if it is short (`SHORT_PAUSE`); whether to go on."""
        seconds = await self.paces[lane].paused_for()
        if seconds > SHORT_PAUSE or self._halted or not keep_going():
            return False
        await asyncio.sleep(seconds)
        self._paused.discard(lane)
        return keep_going()

    def _chunk_size(self, lane: str) -> int:
        return self.paid_concurrency if lane == PAID else self.concurrency

    def _may_send(self, lane: str, keep_going: Callable[[], bool]) -> bool:
        return not self._halted and lane not in self._paused and keep_going()

    async def _send_chunk(
        self,
        chunk: Sequence[tuple[Claimed, dt.datetime]],
        lane: str,
        keep_going: Callable[[], bool],
    ) -> list[tuple[Claimed, SendResult]]:
        first = min((at for _, at in chunk), default=None)
        pace = self.paces[lane]

        async def one(item: Claimed, at: dt.datetime) -> tuple[Claimed, SendResult]:
            await pace.wait_turn(at)
            if at != first and not self._may_send(lane, keep_going):
                return item, NOT_SENT  # trouble showed while it waited its turn
            try:
                result = await self.sender.send(item.message)
            except Exception as exc:  # a sender must not raise; if it does, it may have sent
                log.exception("sender raised for delivery %d", item.delivery_id)
                result = SendResult(Outcome.UNKNOWN, error=repr(exc)[:200])
            await self._observe(result, lane)
            return item, result

        return list(await asyncio.gather(*(one(item, at) for item, at in chunk)))

    async def _observe(self, result: SendResult, lane: str) -> None:
        if result.failing:
            self.breaker.failed()
            if self.breaker.state is not BreakerState.CLOSED:
                self._halted = True
        elif result.outcome is not Outcome.RETRY:
            self.breaker.succeeded()
        if result.outcome is Outcome.RETRY and result.retry_after is not None:
            self._paused.add(lane)
            await self.paces[lane].pause(result.retry_after)

    async def _record(
        self, results: list[tuple[Claimed, SendResult]], now: dt.datetime, report: DispatchReport
    ) -> None:
        if not results:
            return
        sent = {
            item.delivery_id: (result.message_id, item.tip)
            for item, result in results
            if result.outcome is Outcome.SENT
        }
        others = [
            (item.delivery_id, result) for item, result in results if item.delivery_id not in sent
        ]
        async with self.db.transaction() as session:
            if sent:
                recorded = await _record_sent(session, self.claimer, sent, now)
                report.count(Status.SENT, len(recorded))
            if not others:
                return
            found = await session.scalars(
                select(Delivery).where(Delivery.id.in_([delivery_id for delivery_id, _ in others]))
            )
            deliveries = {delivery.id: delivery for delivery in found}
            for delivery_id, result in others:
                delivery = deliveries.get(delivery_id)
                if delivery is None or not outbox.is_recordable(delivery, self.claimer):
                    continue  # erased meanwhile
                await _record_one(session, delivery, result, now, report, self.first_backoff)


async def _recipients(
    session: AsyncSession, rows: Sequence[Delivery]
) -> tuple[dict[int, Athlete], dict[int, ReminderSettings]]:
    """The athletes a batch goes to, and the reminder settings of those getting reminders
    (a broadcast's copies do not need them: an athlete's pause does not hold them back)."""
    athlete_ids = {row.athlete_id for row in rows if row.athlete_id is not None}
    reminded = {
        row.athlete_id for row in rows if row.athlete_id is not None and row.kind not in UNPAUSED
    }
    athletes: dict[int, Athlete] = {}
    if athlete_ids:
        found = await session.scalars(select(Athlete).where(Athlete.id.in_(athlete_ids)))
        athletes = {athlete.id: athlete for athlete in found}
    settings: dict[int, ReminderSettings] = {}
    if reminded:
        query = select(ReminderSettings).where(ReminderSettings.athlete_id.in_(reminded))
        settings = {found.athlete_id: found for found in await session.scalars(query)}
    return athletes, settings


def _tip_of(delivery: Delivery) -> tuple[int, str] | None:
    tip_id = (delivery.payload or {}).get("tip_id")
    if delivery.kind == Kind.TIP and isinstance(tip_id, str) and delivery.athlete_id:
        return delivery.athlete_id, tip_id
    return None


async def _record_sent(
    session: AsyncSession,
    claimer: str,
    sent: Mapping[int, tuple[int | None, tuple[int, str] | None]],
    now: dt.datetime,
) -> set[int]:
    """Record a chunk's sent messages in one statement; returns the ids recorded.

    The same as `outbox.sent` on each row that `outbox.is_recordable` allows
    (still this claimer's, `sending` or already `unknown`), without loading the
    rows: at a paid broadcast's rate, loading and flushing them one by one cost
    more than sending. Tips sent are remembered in `tip_sent`.
    """
    message_ids = {delivery_id: message_id for delivery_id, (message_id, _) in sent.items()}
    known = {k: v for k, v in message_ids.items() if v is not None}
    recorded = set(
        (
            await session.execute(
                update(Delivery)
                .where(
                    Delivery.id.in_(list(sent)),
                    Delivery.claimed_by == claimer,
                    Delivery.status.in_((Status.SENDING, Status.UNKNOWN)),
                )
                .values(
                    status=Status.SENT,
                    message_id=case(known, value=Delivery.id, else_=None) if known else None,
                    error=None,
                    finished_at=now,
                    lease_until=None,
                )
                .returning(Delivery.id)
                .execution_options(synchronize_session=False)
            )
        )
        .scalars()
        .all()
    )
    for delivery_id in recorded:
        tip = sent[delivery_id][1]
        if tip is not None:
            athlete_id, tip_id = tip
            await session.merge(TipSent(athlete_id=athlete_id, tip_id=tip_id, sent_at=now))
    return recorded


def _keep_loaded(session: AsyncSession) -> None:
    """Hold every object the session loads until it ends.

    The identity map holds objects weakly: a composer's `session.get` of the
    broadcast, its coach or group comes back from the database for every copy
    once nothing refers to the previous one. Held for the claim's transaction,
    a batch of 100 copies reads each of them once.
    """
    held: list[object] = []
    event.listen(session.sync_session, "loaded_as_persistent", lambda _s, obj: held.append(obj))
    session.info["held"] = held


class _Claims:
    """The batches one pass sends, each claimed while the one before goes out.

    `more()` says whether the pass may go on to another batch (its budget, the
    breaker, the bot still running); a batch that was not full means nothing
    more is due now.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        clock: Callable[[], dt.datetime],
        report: DispatchReport,
        more: Callable[[], bool],
    ) -> None:
        self._dispatcher = dispatcher
        self._clock = clock
        self._report = report
        self._more = more
        self._next: asyncio.Task[tuple[list[Claimed], bool]] | None = None
        self._first = True
        self._full = True

    def _start(self) -> None:
        self._next = asyncio.create_task(
            self._dispatcher._claim(self._clock(), self._report)  # noqa: SLF001
        )

    async def take(self) -> list[Claimed]:
        """The next batch, [] when the pass is over; starts claiming the one after."""
        if self._next is None:
            if not self._first and not (self._full and self._more()):
                return []
            self._start()
        self._first = False
        assert self._next is not None
        batch, self._full = await self._next
        self._next = None
        if self._full and self._more():
            self._start()
        if not batch and self._next is not None:  # all skipped: go on to the next
            return await self.take()
        return batch

    async def close(self) -> list[int]:
        """The ids of a batch claimed ahead and never taken, to give back."""
        if self._next is None:
            return []
        try:
            batch, _ = await self._next
        except Exception:  # nothing was claimed: its transaction did not commit
            log.exception("claiming ahead failed")
            return []
        finally:
            self._next = None
        return [item.delivery_id for item in batch]


async def _record_one(
    session: AsyncSession,
    delivery: Delivery,
    result: SendResult,
    now: dt.datetime,
    report: DispatchReport,
    first_backoff: float,
) -> None:
    """Record what became of a send that did not go through (sent ones: `_record_sent`)."""
    outcome = result.outcome
    if outcome is Outcome.RETRY and result.migrated_to is not None:
        await _follow_migration(session, delivery, result.migrated_to, now)
        report.count("retry")
    elif outcome is Outcome.RETRY:
        wait = (
            dt.timedelta(seconds=result.retry_after)
            if result.retry_after is not None
            else backoff(delivery.attempts, first_backoff)
        )
        error = result.error or "not sent"
        if now + wait > outbox.expires_at(delivery):
            outbox.finish(delivery, Status.EXPIRED, now, f"gave up: {error}")
            log.warning("delivery %d expired while Telegram could not take it", delivery.id)
            report.count(Status.EXPIRED)
        else:
            outbox.retry_later(delivery, now + wait, error)
            log.info("delivery %d: retry after %s (%s)", delivery.id, wait, error)
            report.count("retry")
    elif outcome is Outcome.BLOCKED:
        outbox.finish(delivery, Status.BLOCKED, now, result.error)
        await _recipient_gone(session, delivery)
        report.count(Status.BLOCKED)
    elif outcome is Outcome.UNKNOWN:
        outbox.finish(delivery, Status.UNKNOWN, now, result.error)
        log.warning(
            "delivery %d may or may not have arrived (%s): not resent", delivery.id, result.error
        )
        report.count(Status.UNKNOWN)
    else:
        outbox.finish(delivery, Status.FAILED, now, result.error)
        log.warning("delivery %d failed: %s", delivery.id, result.error)
        report.count(Status.FAILED)


async def _follow_migration(
    session: AsyncSession, delivery: Delivery, new_chat_id: int, now: dt.datetime
) -> None:
    """A group chat became a supergroup: its link and every post still waiting for it
    follow the new chat id, and this post is tried there at once."""
    old_chat_id = delivery.chat_id
    if old_chat_id is None or old_chat_id == new_chat_id:
        outbox.finish(delivery, Status.FAILED, now, "chat migrated, but not a group post")
        return
    await session.execute(
        update(GroupChat).where(GroupChat.chat_id == old_chat_id).values(chat_id=new_chat_id)
    )
    await session.execute(
        update(Delivery)
        .where(
            Delivery.chat_id == old_chat_id,
            Delivery.status == Status.PENDING,
            Delivery.id != delivery.id,
        )
        .values(chat_id=new_chat_id)
    )
    delivery.chat_id = new_chat_id
    outbox.retry_later(delivery, now, f"group chat {old_chat_id} is now {new_chat_id}")
    log.info("group chat %s became supergroup %s: its posts follow", old_chat_id, new_chat_id)


async def _recipient_gone(session: AsyncSession, delivery: Delivery) -> None:
    """An athlete who blocked the bot gets nothing more; a gone group chat is unlinked."""
    if delivery.chat_id is not None:
        await session.execute(delete(GroupChat).where(GroupChat.chat_id == delivery.chat_id))
        log.info("group chat of delivery %d is gone: unlinked", delivery.id)
        return
    athlete = await session.get(Athlete, delivery.athlete_id)
    if athlete is not None:
        athlete.active = False
    settings = await session.get(ReminderSettings, delivery.athlete_id)
    if settings is not None:
        unschedule(settings)
    log.info("athlete %s blocked the bot: marked inactive", delivery.athlete_id)


async def dispatch(
    db: Database,
    sender: Sender,
    composer: MessageComposer | Composers,
    now: dt.datetime,
    batch: int = BATCH,
    concurrency: int = CONCURRENCY,
) -> DispatchReport:
    """One pass over at most `batch` due deliveries, all at the instant `now` (for tests
    and tools; the bot keeps one `Dispatcher` so its breaker outlives a pass)."""
    composers, default = (composer, None) if isinstance(composer, Mapping) else ({}, composer)
    dispatcher = Dispatcher(
        db, sender, composers, default=default, batch=batch, concurrency=concurrency
    )
    return await dispatcher.run(lambda: now, dt.timedelta(0))
