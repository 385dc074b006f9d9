"""Dispatch: claim due deliveries, send them, and record what happened.

Run by the `dispatch` job every few seconds. A pass claims at most `batch`
pending deliveries whose `not_before` has come (`FOR UPDATE SKIP LOCKED` on
PostgreSQL, so instances never claim the same row; on SQLite the single
writer transaction does the same), marks them `sending`, commits, sends
outside any transaction (paced by the bot's rate limiter), then records each
outcome:

- sent → `sent`, with Telegram's message id (tips are remembered in `tip_sent`);
- 429 / a send that surely did not happen → back to `pending` with
  `not_before = now + retry_after`, up to `MAX_ATTEMPTS`;
- blocked (403) → `blocked`, and the athlete becomes inactive: nothing more
  is planned or sent until a new /start;
- a read timeout → `unknown`: it may have arrived, and a duplicate is worse
  than a gap, so it is not resent;
- a permanent refusal → `failed`.

Deliveries past `expires_at` (a warm-up after its run has started, a tip more
than a day late) are recorded as `expired` and logged, not sent. A row left in
`sending` by a crashed instance becomes `unknown` after `STUCK_AFTER`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coaching import reminders
from coaching.db import Database
from coaching.models import Athlete
from coaching.reminders import Kind, Status, Toggle
from coaching.schedule_models import Delivery, ReminderSettings, TipSent
from scheduler.planner import unschedule
from scheduler.sender import Outcome, OutgoingMessage, Sender, SendResult

log = logging.getLogger(__name__)

BATCH = 100
CONCURRENCY = 16
MAX_ATTEMPTS = 5
DEFAULT_RETRY = dt.timedelta(seconds=30)
STUCK_AFTER = dt.timedelta(minutes=10)

_TOGGLES = {
    Kind.TIP: Toggle.TIPS,
    Kind.WARMUP: Toggle.WARMUPS,
    Kind.SNOOZE: Toggle.WARMUPS,
    Kind.CHECKIN: Toggle.CHECKINS,
    Kind.RETEST: Toggle.RETESTS,
}


class MessageComposer(Protocol):
    async def compose(
        self, session: AsyncSession, delivery: Delivery, athlete: Athlete, now: dt.datetime
    ) -> OutgoingMessage | None: ...


_COMPOSERS: dict[str, MessageComposer] = {}


def register_composer(kind: str, composer: MessageComposer) -> None:
    """Let a feature compose its own delivery kind (coach broadcasts: kind "broadcast").

    A registered composer takes precedence over the one passed to `dispatch`
    for rows of that kind; registering the same kind again replaces it.
    """
    _COMPOSERS[kind] = composer


@dataclass
class DispatchReport:
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, status: str) -> None:
        self.outcomes[status] = self.outcomes.get(status, 0) + 1

    def __getitem__(self, status: str) -> int:
        return self.outcomes.get(status, 0)


def _finish(delivery: Delivery, status: Status, now: dt.datetime, error: str | None = None) -> None:
    delivery.status = status
    delivery.finished_at = now
    if error is not None:
        delivery.error = error[:200]


def _skip_reason(
    delivery: Delivery, athlete: Athlete, settings: ReminderSettings | None, now: dt.datetime
) -> Status | None:
    """Why a due delivery must not be sent now, if it must not."""
    if not athlete.active:
        return Status.SKIPPED
    if delivery.expires_at is not None and now > delivery.expires_at:
        return Status.EXPIRED
    if delivery.kind == Kind.BROADCAST or settings is None:
        return None
    if reminders.is_paused(settings, now):
        return Status.SKIPPED
    toggle = _TOGGLES.get(delivery.kind)  # type: ignore[call-overload]
    if toggle is not None and not reminders.is_enabled(settings, toggle):
        return Status.SKIPPED
    return None


async def reap_stuck(db: Database, now: dt.datetime) -> int:
    """Rows a crashed instance left in `sending`: they may have gone out, so `unknown`."""
    async with db.transaction() as session:
        result = await session.execute(
            update(Delivery)
            .where(Delivery.status == Status.SENDING, Delivery.claimed_at < now - STUCK_AFTER)
            .values(status=Status.UNKNOWN, finished_at=now, error="claimed but never recorded")
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


async def _claim(
    db: Database, composer: MessageComposer, now: dt.datetime, batch: int, report: DispatchReport
) -> list[tuple[int, OutgoingMessage]]:
    claimed: list[tuple[int, OutgoingMessage]] = []
    async with db.transaction() as session:
        query = (
            select(Delivery, Athlete, ReminderSettings)
            .join(Athlete, Athlete.id == Delivery.athlete_id)
            .outerjoin(ReminderSettings, ReminderSettings.athlete_id == Delivery.athlete_id)
            .where(Delivery.status == Status.PENDING, Delivery.not_before <= now)
            .order_by(Delivery.not_before, Delivery.id)
            .limit(batch)
        )
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=Delivery)
        rows = (await session.execute(query)).tuples().all()
        for delivery, athlete, settings in rows:
            reason = _skip_reason(delivery, athlete, settings, now)
            if reason is Status.EXPIRED:
                late = now - delivery.due_at
                log.warning(
                    "dropped as expired: %s #%d for athlete %s, due %s (%s late)",
                    delivery.kind,
                    delivery.id,
                    athlete.id,
                    delivery.due_at.isoformat(),
                    late,
                )
            if reason is not None:
                _finish(delivery, reason, now)
                report.count(reason)
                continue
            builder = _COMPOSERS.get(delivery.kind, composer)
            message = await builder.compose(session, delivery, athlete, now)
            if message is None:
                _finish(delivery, Status.SKIPPED, now, "nothing to send")
                report.count(Status.SKIPPED)
                continue
            delivery.status = Status.SENDING
            delivery.attempts += 1
            delivery.claimed_at = now
            claimed.append((delivery.id, message))
    return claimed


async def _send_all(
    sender: Sender, claimed: list[tuple[int, OutgoingMessage]], concurrency: int
) -> list[tuple[int, SendResult]]:
    limit = asyncio.Semaphore(concurrency)

    async def one(delivery_id: int, message: OutgoingMessage) -> tuple[int, SendResult]:
        async with limit:
            try:
                return delivery_id, await sender.send(message)
            except Exception as exc:  # a sender must not raise; if it does, assume it may have sent
                log.exception("sender raised for delivery %d", delivery_id)
                return delivery_id, SendResult(Outcome.UNKNOWN, error=repr(exc))

    return list(await asyncio.gather(*(one(d, m) for d, m in claimed)))


async def _record(
    db: Database, results: list[tuple[int, SendResult]], now: dt.datetime, report: DispatchReport
) -> None:
    async with db.transaction() as session:
        found = await session.scalars(
            select(Delivery).where(Delivery.id.in_([delivery_id for delivery_id, _ in results]))
        )
        deliveries = {delivery.id: delivery for delivery in found}
        for delivery_id, result in results:
            delivery = deliveries.get(delivery_id)
            if delivery is None:  # the athlete was deleted meanwhile
                continue
            outcome = result.outcome
            if outcome is Outcome.SENT:
                delivery.message_id = result.message_id
                _finish(delivery, Status.SENT, now)
                tip_id = (delivery.payload or {}).get("tip_id")
                if delivery.kind == Kind.TIP and isinstance(tip_id, str):
                    await session.merge(
                        TipSent(athlete_id=delivery.athlete_id, tip_id=tip_id, sent_at=now)
                    )
                report.count(Status.SENT)
            elif outcome is Outcome.RETRY and delivery.attempts < MAX_ATTEMPTS:
                wait = (
                    dt.timedelta(seconds=result.retry_after)
                    if result.retry_after is not None
                    else DEFAULT_RETRY
                )
                delivery.status = Status.PENDING
                delivery.not_before = now + wait
                delivery.error = (result.error or "retry")[:200]
                log.info("delivery %d: retry after %s", delivery_id, wait)
                report.count("retry")
            elif outcome is Outcome.BLOCKED:
                _finish(delivery, Status.BLOCKED, now, result.error)
                athlete = await session.get(Athlete, delivery.athlete_id)
                if athlete is not None:
                    athlete.active = False
                settings = await session.get(ReminderSettings, delivery.athlete_id)
                if settings is not None:
                    unschedule(settings)
                log.info("athlete %s blocked the bot: marked inactive", delivery.athlete_id)
                report.count(Status.BLOCKED)
            elif outcome is Outcome.UNKNOWN:
                _finish(delivery, Status.UNKNOWN, now, result.error)
                log.warning(
                    "delivery %d may or may not have arrived (%s): not resent",
                    delivery_id,
                    result.error,
                )
                report.count(Status.UNKNOWN)
            else:
                _finish(delivery, Status.FAILED, now, result.error)
                log.warning("delivery %d failed: %s", delivery_id, result.error)
                report.count(Status.FAILED)


async def dispatch(
    db: Database,
    sender: Sender,
    composer: MessageComposer,
    now: dt.datetime,
    batch: int = BATCH,
    concurrency: int = CONCURRENCY,
) -> DispatchReport:
    """One dispatch pass over at most `batch` due deliveries, all at the instant `now`."""
    return await dispatch_until_idle(
        db,
        sender,
        composer,
        lambda: now,
        dt.timedelta(0),
        keep_going=lambda: False,
        batch=batch,
        concurrency=concurrency,
    )


async def dispatch_until_idle(
    db: Database,
    sender: Sender,
    composer: MessageComposer,
    clock: Callable[[], dt.datetime],
    budget: dt.timedelta,
    keep_going: Callable[[], bool] = lambda: True,
    batch: int = BATCH,
    concurrency: int = CONCURRENCY,
) -> DispatchReport:
    """Keep sending while full batches are due, for at most `budget` of wall time,
    and only while `keep_going()` (false once the bot is shutting down).

    One pass every few seconds would cap a broadcast at `batch` per interval;
    here the next batch is claimed while the current one is on its way, so the
    rate limiter, not the database round trips, sets the pace.
    """
    report = DispatchReport()
    stuck = await reap_stuck(db, clock())
    if stuck:
        log.warning("%d deliveries were left mid-send by a crash: recorded as unknown", stuck)
    deadline = time.monotonic() + budget.total_seconds()
    claimed = await _claim(db, composer, clock(), batch, report)
    while claimed:
        sending = asyncio.create_task(_send_all(sender, claimed, concurrency))
        more = len(claimed) == batch and time.monotonic() < deadline and keep_going()
        try:
            upcoming = await _claim(db, composer, clock(), batch, report) if more else []
        finally:
            results = await sending
            await _record(db, results, clock(), report)
        claimed = upcoming
    if report.outcomes:
        log.info("dispatched %s", report.outcomes)
    return report
