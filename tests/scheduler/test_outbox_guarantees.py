"""What the outbox promises when Telegram or the bot itself fails: nothing lost, nothing doubled.

These drive `scheduler.dispatcher.Dispatcher` with an in-memory sender whose
answers the test chooses; the fault-injection and kill -9 suites do the same
through real HTTP and real processes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching import broadcasts, outbox
from coaching.base import utcnow
from coaching.coach_models import Broadcast, BroadcastDraft, Coach, GroupChat, TrainingGroup
from coaching.coaches import Role
from coaching.db import Database
from coaching.outbox import Delivery, Kind, Status
from scheduler.breaker import BreakerState, CircuitBreaker
from scheduler.dispatcher import SHORT_PAUSE, Dispatcher, backoff
from scheduler.pacing import FREE, JITTER, PAID, WINDOW, SharedPace, wait_until
from scheduler.sender import Outcome, OutgoingMessage, SendResult
from tests.scheduler.conftest import add_athlete
from tests.scheduler.fakes import FakeSender, KindComposer

NOW = dt.datetime(2026, 3, 23, 6, 0, tzinfo=dt.UTC)


async def broadcast_rows(db: Database, count: int, *, expires: dt.timedelta) -> None:
    """`count` athletes, each with one due broadcast row."""
    for athlete_id in range(1, count + 1):
        await add_athlete(db, athlete_id, NOW - dt.timedelta(days=1), tips=False)
    async with db.transaction() as session:
        await outbox.insert(
            session,
            [
                outbox.planned(
                    Kind.BROADCAST, "b1", NOW, NOW, athlete_id=a, expires=NOW + expires, ref_id=1
                )
                for a in range(1, count + 1)
            ],
        )


async def statuses(db: Database) -> Counter[str]:
    async with db.transaction() as session:
        return Counter((await session.scalars(select(Delivery.status))).all())


def dispatcher_for(db: Database, sender: FakeSender, **kwargs: object) -> Dispatcher:
    return Dispatcher(db, sender, {}, default=KindComposer(), **kwargs)  # type: ignore[arg-type]


def failing(outcome: Outcome) -> SendResult:
    return SendResult(outcome, error="Bad Gateway", failing=True)


async def test_surely_unsent_is_retried_with_backoff_until_its_expiry(db: Database) -> None:
    await broadcast_rows(db, 1, expires=dt.timedelta(minutes=1))
    sender = FakeSender()
    sender.results.extend([failing(Outcome.RETRY)] * 10)
    run = dispatcher_for(db, sender, breaker=CircuitBreaker(threshold=100))
    clock = NOW
    retried_at: list[dt.datetime] = []
    while (await statuses(db))[Status.PENDING]:
        async with db.transaction() as session:
            row = (await session.scalars(select(Delivery))).one()
        clock = max(clock, row.not_before)
        retried_at.append(clock)
        await run.run(lambda: clock, dt.timedelta(0))  # noqa: B023
    gaps = [b - a for a, b in zip(retried_at, retried_at[1:], strict=False)]
    assert gaps == [backoff(n) for n in range(1, len(gaps) + 1)]
    assert backoff(1) < backoff(2) < backoff(3)
    assert await statuses(db) == Counter({Status.EXPIRED: 1})


async def test_a_failing_telegram_opens_the_breaker_instead_of_draining_the_queue(
    db: Database,
) -> None:
    await broadcast_rows(db, 60, expires=dt.timedelta(days=3))
    sender = FakeSender()
    sender.results.extend([failing(Outcome.UNKNOWN)] * 60)
    breaker = CircuitBreaker(threshold=3, cooldown=3600)
    run = dispatcher_for(db, sender, breaker=breaker, batch=20, concurrency=4)
    await run.run(lambda: NOW, dt.timedelta(minutes=1))
    assert breaker.state is BreakerState.OPEN
    found = await statuses(db)
    # The first chunk went out before Telegram's trouble was known; nothing after it.
    assert found[Status.UNKNOWN] == 4
    assert found[Status.PENDING] == 56 and found[Status.CLAIMED] == 0
    await run.run(lambda: NOW, dt.timedelta(minutes=1))
    assert len(sender.sent) == 4


async def test_a_half_open_breaker_probes_with_one_message_then_closes(db: Database) -> None:
    await broadcast_rows(db, 10, expires=dt.timedelta(days=3))
    ticks = [0.0]
    breaker = CircuitBreaker(threshold=1, cooldown=10, clock=lambda: ticks[0])
    breaker.failed()
    sender = FakeSender()
    run = dispatcher_for(db, sender, breaker=breaker, concurrency=4)
    await run.run(lambda: NOW, dt.timedelta(0))
    assert sender.sent == []
    ticks[0] = 11.0
    await run.run(lambda: NOW, dt.timedelta(0))
    assert len(sender.sent) == 10 and breaker.state is BreakerState.CLOSED
    assert (await statuses(db)) == Counter({Status.SENT: 10})


async def test_a_dead_claimer_gives_back_what_it_never_attempted(db: Database) -> None:
    await broadcast_rows(db, 5, expires=dt.timedelta(days=3))
    lease = dt.timedelta(0)
    async with db.transaction() as session:
        claimed = await outbox.claim(session, NOW, 5, "dead", lease)
    async with db.transaction() as session:
        first_two = [claimed[0].id, claimed[1].id]
        started = await outbox.start_attempts(session, first_two, "dead", lease)
    assert started == set(first_two)
    # The claimer is killed here. Whoever dispatches next reaps its expired leases.
    sender = FakeSender()
    report = await dispatcher_for(db, sender).run(lambda: NOW, dt.timedelta(0))
    assert report[Status.SENT] == 3
    assert sorted(m.chat_id for m in sender.sent) == sorted(d.recipient for d in claimed[2:])
    assert await statuses(db) == Counter({Status.SENT: 3, Status.UNKNOWN: 2})


async def test_a_row_whose_lease_was_lost_is_not_sent_by_its_old_claimer(db: Database) -> None:
    await broadcast_rows(db, 1, expires=dt.timedelta(days=3))
    async with db.transaction() as session:
        [row] = await outbox.claim(session, NOW, 1, "slow", dt.timedelta(0))
    async with db.transaction() as session:
        assert await outbox.reap(session) == (1, 0)
        [again] = await outbox.claim(session, NOW, 1, "fast")
    async with db.transaction() as session:
        assert await outbox.start_attempts(session, [row.id], "slow") == set()
        assert await outbox.start_attempts(session, [again.id], "fast") == {again.id}


async def test_unknown_is_never_resent_automatically(db: Database) -> None:
    await broadcast_rows(db, 2, expires=dt.timedelta(days=3))
    sender = FakeSender()
    sender.results.extend([SendResult(Outcome.UNKNOWN, error="read timeout")])
    run = dispatcher_for(db, sender, concurrency=1)
    await run.run(lambda: NOW, dt.timedelta(0))
    await run.run(lambda: NOW + dt.timedelta(days=1), dt.timedelta(0))
    assert len(sender.sent) == 2
    assert await statuses(db) == Counter({Status.UNKNOWN: 1, Status.SENT: 1})


async def test_a_short_429_pause_is_waited_out_within_the_pass(db: Database) -> None:
    """Telegram's usual `retry_after` of a second: the pass waits and goes on, rather than
    leaving the rest of the batch to the dispatch job's next run."""
    await broadcast_rows(db, 10, expires=dt.timedelta(days=3))
    sender = FakeSender()
    sender.results.append(SendResult(Outcome.RETRY, retry_after=0.2, error="429"))
    report = await dispatcher_for(db, sender, concurrency=1).run(lambda: NOW, dt.timedelta(0))
    assert len(sender.sent) == 10 and report[Status.SENT] == 9
    assert await statuses(db) == Counter({Status.SENT: 9, Status.PENDING: 1})


async def test_a_long_429_pause_ends_the_pass(db: Database) -> None:
    await broadcast_rows(db, 10, expires=dt.timedelta(days=3))
    sender = FakeSender()
    sender.results.append(SendResult(Outcome.RETRY, retry_after=SHORT_PAUSE + 1, error="429"))
    await dispatcher_for(db, sender, concurrency=1).run(lambda: NOW, dt.timedelta(0))
    assert len(sender.sent) == 1
    assert await statuses(db) == Counter({Status.PENDING: 10})


async def test_a_429_pauses_the_lane_for_every_instance(db: Database) -> None:
    first, second = SharedPace(db, FREE, 30), SharedPace(db, FREE, 30)
    await first.pause(90)
    assert 85 < await second.paused_for() <= 90
    assert await SharedPace(db, PAID, 1000).paused_for() == 0


async def test_instances_share_one_pace(db: Database) -> None:
    one, two = SharedPace(db, FREE, 10), SharedPace(db, FREE, 10)
    slots = await asyncio.gather(*(pace.reserve(5) for pace in (one, two, one, two)))
    instants = sorted(at for reserved in slots for at in reserved)
    gaps = {b - a for a, b in zip(instants, instants[1:], strict=False)}
    assert gaps == {one.step} and one.per_second == 9  # 20 sends evenly, whoever reserved them


async def test_sends_woken_late_together_share_one_fresh_reservation(db: Database) -> None:
    pace, other = SharedPace(db, PAID, 1000), SharedPace(db, PAID, 1000)
    stale = utcnow() - dt.timedelta(seconds=1)  # a stall: every instant long past
    before = await other.reserve(1)
    await asyncio.gather(*(pace.wait_turn(stale) for _ in range(30)))
    after = await other.reserve(1)
    assert pace.late_reservations == 1  # one transaction, not one per late send
    # The 30 fresh instants came from the shared pace: the other instance's next
    # reservation starts after them.
    assert (after[0] - before[0]) >= pace.step * 30


async def test_sends_woken_late_within_their_own_stretch_keep_their_place(db: Database) -> None:
    """Nobody else planned sends between their instants and now: no fresh reservation."""
    pace = SharedPace(db, PAID, 1000)
    instants = await pace.reserve(1000)  # a second's stretch
    await wait_until(instants[40])  # the first 30 woken late, as after a stall
    await asyncio.gather(*(pace.wait_turn(at) for at in instants[:30]))
    assert pace.late_reservations == 0


async def test_a_late_send_past_another_instances_reservation_takes_a_fresh_instant(
    db: Database,
) -> None:
    pace, other = SharedPace(db, PAID, 1000), SharedPace(db, PAID, 1000)
    [mine] = await pace.reserve(1)
    theirs = await other.reserve(40)
    await wait_until(theirs[-1])  # the other instance's instants lie between mine and now
    await pace.wait_turn(mine)
    assert pace.late_reservations == 1


async def test_one_instance_never_sends_more_than_the_limit_in_a_second(db: Database) -> None:
    """A whole second's sends woken at once (a long stall) still go at most the limit in
    any second and `JITTER`; replies count with them."""
    pace = SharedPace(db, FREE, 10)
    instants = await pace.reserve(pace.per_second)
    await wait_until(instants[-1])
    sent: list[float] = []

    async def send(at: dt.datetime) -> None:
        await pace.wait_turn(at)
        sent.append(time.monotonic())

    async def reply() -> None:
        await pace.reply_turn()
        sent.append(time.monotonic())

    await asyncio.gather(*(send(at) for at in instants), reply(), reply())
    sent.sort()
    assert len(sent) == pace.limit + 1
    noted_after = 0.001  # each send is noted here a moment after the pace counted it
    for first, then in zip(sent, sent[pace.limit :], strict=False):
        assert then - first >= WINDOW + JITTER - noted_after


async def test_a_turn_counts_from_when_the_send_before_it_really_went(db: Database) -> None:
    """A send woken late (the loop was busy) is counted from when it went, not from when
    it was planned: the send a second after it waits for that, not for the plan."""
    pace = SharedPace(db, FREE, 10)  # at most ten sends in any second and JITTER
    sent: list[float] = []

    async def reply() -> None:
        await pace.reply_turn()
        sent.append(time.monotonic())

    async def busy_loop() -> None:
        await asyncio.sleep(pace.step.total_seconds() / 4)  # before the second send's turn
        time.sleep(0.1)  # noqa: ASYNC251 -- blocks the loop: the second send wakes late

    await asyncio.gather(busy_loop(), *(reply() for _ in range(pace.limit + 2)))
    sent.sort()
    noted_after = 0.001  # each send is noted here a moment after the pace counted it
    for first, then in zip(sent, sent[pace.limit :], strict=False):
        assert then - first >= WINDOW + JITTER - noted_after


async def test_replies_wait_in_turn_with_the_broadcast_not_behind_it(db: Database) -> None:
    """With the second full, replies queue with the broadcast's due sends, in the order
    they came: not behind every send the broadcast has planned."""
    pace = SharedPace(db, FREE, 5)  # four turns a second
    instants = await pace.reserve(pace.per_second + 3)
    order: list[str] = []

    async def send(at: dt.datetime) -> None:
        await pace.wait_turn(at)
        order.append("broadcast")

    async def reply() -> None:
        await wait_until(instants[pace.per_second - 1] + pace.step / 2)  # the second is full
        await pace.reply_turn()
        order.append("reply")

    await asyncio.gather(*(send(at) for at in instants), reply(), reply())
    assert order == ["broadcast"] * pace.per_second + ["reply"] * 2 + ["broadcast"] * 3


async def test_replies_take_their_turns_from_every_instances_broadcast(db: Database) -> None:
    """Three replies sent by one instance push the shared pace on by three turns."""
    one, two = SharedPace(db, FREE, 5), SharedPace(db, FREE, 5)  # four turns a second
    first = await one.reserve(2)
    for _ in range(3):
        await one.reply_turn()
    mine = await one.reserve(1)
    theirs = await two.reserve(1)
    assert mine[0] - first[-1] == one.step * 4  # the three turns lent, then mine
    assert theirs[0] - mine[0] == one.step
    again = await one.reserve(1)  # lent turns count once
    assert again[0] - theirs[0] == one.step


async def test_resend_goes_to_exactly_those_not_confirmed(db: Database) -> None:
    await broadcast_rows(db, 4, expires=dt.timedelta(days=3))
    sender = FakeSender()
    sender.results.extend(
        [
            SendResult(Outcome.SENT, message_id=1),
            SendResult(Outcome.UNKNOWN, error="read timeout"),
            SendResult(Outcome.BLOCKED, error="Forbidden"),
            SendResult(Outcome.FAILED, error="Bad Request"),
        ]
    )
    run = dispatcher_for(db, sender, concurrency=1)
    await run.run(lambda: NOW, dt.timedelta(0))
    async with db.transaction() as session:
        broadcast = await _broadcast(session)
        report = await broadcasts.report(session, broadcast)
        assert (report.sent, report.unknown, report.blocked, report.failed) == (1, 1, 1, 1)
        assert await broadcasts.resend_unconfirmed(session, broadcast, NOW) == 2
        assert await broadcasts.resend_unconfirmed(session, broadcast, NOW) == 0
    await run.run(lambda: NOW, dt.timedelta(0))
    assert [m.chat_id for m in sender.sent[4:]] == [2, 4]


async def _broadcast(session: AsyncSession) -> Broadcast:
    found = await session.get(Broadcast, 1)
    if found is None:
        session.add(Coach(user_id=1, via="admin", created_at=NOW))
        await session.flush()
        found = Broadcast(
            id=1,
            coach_id=1,
            text_html="hi",
            audience="all",
            recipients=4,
            send_at=NOW,
            created_at=NOW,
        )
        session.add(found)
        await session.flush()
    return found


async def test_confirming_one_draft_twice_at_once_makes_one_broadcast(db: Database) -> None:
    await add_athlete(db, 1, NOW)
    role = Role(user_id=1, admin=True)
    async with db.transaction() as session:
        session.add(Coach(user_id=1, via="admin", created_at=NOW))
        await session.flush()
        draft = await broadcasts.start_draft(session, role, NOW)
        broadcasts.set_text(draft, "Hills & strides", NOW)
        draft.audience, draft.step = "all", broadcasts.Step.PREVIEW
        draft_id = draft.id

    async def tap() -> bool:
        try:
            async with db.transaction() as session:
                found = await session.get(BroadcastDraft, draft_id)
                if found is None:
                    return False
                await asyncio.sleep(0)  # both taps have read the draft before either writes
                await broadcasts.confirm(session, role, found, NOW)
                return True
        except broadcasts.Stale:
            return False

    results = await asyncio.gather(tap(), tap())
    assert sorted(results) == [False, True]
    async with db.transaction() as session:
        made = (await session.scalars(select(Broadcast))).all()
        rows = (await session.scalars(select(Delivery))).all()
    assert len(made) == 1 and len(rows) == 1


@pytest.mark.parametrize("paid", [False, True])
async def test_each_lane_keeps_its_own_pace(db: Database, paid: bool) -> None:
    await broadcast_rows(db, 3, expires=dt.timedelta(days=3))

    class Composer(KindComposer):
        async def compose(self, session, delivery, athlete, now):  # type: ignore[no-untyped-def]
            assert athlete is not None
            return OutgoingMessage(athlete.id, "hi", paid=paid)

    sender = FakeSender()
    paused, free = SharedPace(db, FREE, 30), SharedPace(db, PAID, 1000)
    await (paused if not paid else free).pause(60)
    run = Dispatcher(db, sender, {}, default=Composer(), paces={FREE: paused, PAID: free})
    await run.run(lambda: NOW, dt.timedelta(0))
    assert sender.sent == []
    assert await statuses(db) == Counter({Status.PENDING: 3})


async def test_a_group_that_became_a_supergroup_gets_its_posts_there(db: Database) -> None:
    old, new = -100_200, -1_000_000_200
    async with db.transaction() as session:
        session.add(Coach(user_id=1, via="admin", created_at=NOW))
        await session.flush()
        group = TrainingGroup(coach_id=1, name="Track", join_code="abc123", created_at=NOW)
        session.add(group)
        await session.flush()
        session.add(GroupChat(chat_id=old, group_id=group.id, title="Track", linked_at=NOW))
        await outbox.insert(
            session,
            [
                outbox.planned(Kind.GROUP_POST, f"b{n}", NOW, NOW, chat_id=old, ref_id=n)
                for n in (1, 2)
            ],
        )
    sender = FakeSender()
    migrated = SendResult(Outcome.RETRY, error="migrated", migrated_to=new)
    sender.results.extend([migrated, migrated])
    run = dispatcher_for(db, sender, concurrency=1)
    await run.run(lambda: NOW, dt.timedelta(0))  # both were on their way to the old chat
    await run.run(lambda: NOW, dt.timedelta(0))
    assert [m.chat_id for m in sender.sent] == [old, old, new, new]
    assert await statuses(db) == Counter({Status.SENT: 2})
    async with db.transaction() as session:
        assert (await session.scalars(select(GroupChat.chat_id))).all() == [new]
