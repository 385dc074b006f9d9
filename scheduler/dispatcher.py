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
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coaching import outbox, reminders
from coaching.coach_models import GroupChat
from coaching.db import Database
from coaching.models import Athlete
from coaching.outbox import Delivery, Kind, Status
from coaching.reminders import Toggle
from coaching.reminders.models import ReminderSettings, TipSent
from scheduler.breaker import CircuitBreaker
from scheduler.pacing import FREE, PAID, Pace, Unpaced, wait_until
from scheduler.planner import unschedule
from scheduler.sender import MessageComposer, Outcome, OutgoingMessage, Sender, SendResult

log = logging.getLogger(__name__)

BATCH = 100
CONCURRENCY = 16
FIRST_BACKOFF = 5.0  # seconds before the first retry of a send that surely did not happen
MAX_BACKOFF = 300.0

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
        self.claimer = claimer or f"d-{uuid.uuid4().hex[:12]}"
        self.first_backoff = first_backoff

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
        first = True
        while first or (time.monotonic() < deadline and keep_going()):
            first = False
            if not self.breaker.allowance(1):
                log.warning(
                    "Telegram is failing: sending paused for %.0f s", self.breaker.seconds_left()
                )
                break
            claimed = await self._claim(clock(), report)
            if not claimed:
                break
            finished = await self._send_batch(claimed, clock, report, keep_going)
            if not finished or len(claimed) < self.batch:
                break
        if report.outcomes:
            log.info("dispatched %s", report.outcomes)
        return report

    async def _claim(self, now: dt.datetime, report: DispatchReport) -> list[Claimed]:
        claimed: list[Claimed] = []
        async with self.db.transaction() as session:
            rows = await outbox.claim(session, now, self.batch, self.claimer, self.lease)
            athlete_ids = {row.athlete_id for row in rows if row.athlete_id is not None}
            found = (
                await session.execute(
                    select(Athlete, ReminderSettings)
                    .outerjoin(ReminderSettings, ReminderSettings.athlete_id == Athlete.id)
                    .where(Athlete.id.in_(athlete_ids))
                )
            ).tuples()
            people = {athlete.id: (athlete, settings) for athlete, settings in found}
            for delivery in rows:
                athlete, settings = people.get(delivery.athlete_id or 0, (None, None))
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
                claimed.append(Claimed(delivery.id, message))
        return claimed

    async def _send_batch(
        self,
        claimed: list[Claimed],
        clock: Callable[[], dt.datetime],
        report: DispatchReport,
        keep_going: Callable[[], bool],
    ) -> bool:
        """Send the claimed rows a chunk at a time; False if it stopped early."""
        recording: asyncio.Task[None] | None = None
        position = 0
        try:
            while position < len(claimed):
                lane = PAID if claimed[position].message.paid else FREE
                pace = self.paces[lane]
                allowed = self.breaker.allowance(self.concurrency)
                if not allowed or not keep_going() or await pace.paused_for() > 0:
                    return False
                chunk = [claimed[position]]
                while (
                    len(chunk) < allowed
                    and position + len(chunk) < len(claimed)
                    and claimed[position + len(chunk)].message.paid == chunk[0].message.paid
                ):
                    chunk.append(claimed[position + len(chunk)])
                position += len(chunk)
                instants = await pace.reserve(len(chunk))
                async with self.db.transaction() as session:
                    started = await outbox.start_attempts(
                        session, [item.delivery_id for item in chunk], self.claimer, self.lease
                    )
                timed = zip(chunk, instants, strict=True)
                results = await self._send_chunk(
                    [(item, at) for item, at in timed if item.delivery_id in started]
                )
                for result in results:
                    await self._observe(result[1], pace)
                if recording is not None:
                    await recording
                recording = asyncio.create_task(self._record(results, clock(), report))
            return True
        finally:
            if recording is not None:
                await recording
            async with self.db.transaction() as session:
                await outbox.release(
                    session, self.claimer, [item.delivery_id for item in claimed[position:]]
                )

    async def _send_chunk(
        self, chunk: Sequence[tuple[Claimed, dt.datetime]]
    ) -> list[tuple[int, SendResult]]:
        async def one(item: Claimed, at: dt.datetime) -> tuple[int, SendResult]:
            await wait_until(at)
            try:
                return item.delivery_id, await self.sender.send(item.message)
            except Exception as exc:  # a sender must not raise; if it does, it may have sent
                log.exception("sender raised for delivery %d", item.delivery_id)
                return item.delivery_id, SendResult(Outcome.UNKNOWN, error=repr(exc)[:200])

        return list(await asyncio.gather(*(one(item, at) for item, at in chunk)))

    async def _observe(self, result: SendResult, pace: Pace) -> None:
        if result.failing:
            self.breaker.failed()
        elif result.outcome is not Outcome.RETRY:
            self.breaker.succeeded()
        if result.outcome is Outcome.RETRY and result.retry_after is not None:
            await pace.pause(result.retry_after)

    async def _record(
        self, results: list[tuple[int, SendResult]], now: dt.datetime, report: DispatchReport
    ) -> None:
        if not results:
            return
        async with self.db.transaction() as session:
            found = await session.scalars(
                select(Delivery).where(Delivery.id.in_([delivery_id for delivery_id, _ in results]))
            )
            deliveries = {delivery.id: delivery for delivery in found}
            for delivery_id, result in results:
                delivery = deliveries.get(delivery_id)
                if delivery is None or not outbox.is_recordable(delivery, self.claimer):
                    continue  # erased meanwhile
                await _record_one(session, delivery, result, now, report, self.first_backoff)


async def _record_one(
    session: AsyncSession,
    delivery: Delivery,
    result: SendResult,
    now: dt.datetime,
    report: DispatchReport,
    first_backoff: float,
) -> None:
    outcome = result.outcome
    if outcome is Outcome.SENT:
        outbox.sent(delivery, result.message_id, now)
        tip_id = (delivery.payload or {}).get("tip_id")
        if delivery.kind == Kind.TIP and isinstance(tip_id, str) and delivery.athlete_id:
            await session.merge(TipSent(athlete_id=delivery.athlete_id, tip_id=tip_id, sent_at=now))
        report.count(Status.SENT)
    elif outcome is Outcome.RETRY and result.migrated_to is not None:
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
