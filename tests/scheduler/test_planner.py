"""Planning with a controlled clock on a real (SQLite) database."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import pytest
from sqlalchemy import func, select

from coaching import reminders
from coaching.db import Database
from coaching.models import Athlete, SelftestResult
from coaching.outbox import Delivery, Kind, Status
from coaching.reminders.models import ReminderSettings
from scheduler import dispatcher, planner
from scheduler.recurrence import tip_offset
from scheduler.sender import Outcome, SendResult
from tests.scheduler.conftest import MON, SAT, SUN, TUE, add_athlete
from tests.scheduler.fakes import FakeSender, KindComposer

UTC = dt.UTC
FRI_NOON = dt.datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # Friday before Helsinki's DST change
# Monday 08:00 EET, then EEST, each plus athlete 1's place in the hour (0:48):
# tips are spread over the hour after the chosen time (athlete 2 comes at 0:41).
TIP_MON = dt.datetime(2026, 3, 23, 6, 0, tzinfo=UTC) + tip_offset(1)
TIP_NEXT = dt.datetime(2026, 3, 30, 5, 0, tzinfo=UTC) + tip_offset(1)


async def deliveries(db: Database, kind: str | None = None) -> list[Delivery]:
    async with db.transaction() as session:
        query = select(Delivery).order_by(Delivery.id)
        if kind is not None:
            query = query.where(Delivery.kind == kind)
        return list(await session.scalars(query))


async def settings_of(db: Database, athlete_id: int) -> ReminderSettings:
    async with db.transaction() as session:
        found = await session.get(ReminderSettings, athlete_id)
        assert found is not None
        return found


async def test_weekly_tip_planned_at_local_time_across_dst(db: Database) -> None:
    await add_athlete(db, 1, FRI_NOON)
    assert (await settings_of(db, 1)).next_tip_at == TIP_MON
    await planner.plan(db, TIP_MON - dt.timedelta(seconds=1))
    assert await deliveries(db) == []
    report = await planner.plan(db, TIP_MON)
    assert report.planned == {"tip": 1}
    [tip] = await deliveries(db, Kind.TIP)
    assert (tip.due_at, tip.slot, tip.status) == (TIP_MON, "2026-03-23T06:48:00Z", "pending")
    assert (await settings_of(db, 1)).next_tip_at == TIP_NEXT  # 08:00 after the change


async def test_planning_twice_or_concurrently_gives_one_row(db: Database) -> None:
    await add_athlete(db, 1, FRI_NOON)
    await planner.plan(db, TIP_MON)
    # Another instance that read the old next_tip_at would try the same slot again.
    async with db.transaction() as session:
        settings = await session.get(ReminderSettings, 1)
        assert settings is not None
        settings.next_tip_at = TIP_MON
    again = await planner.plan(db, TIP_MON)
    assert again.duplicates == 1 and again.total == 0
    await add_athlete(db, 2, FRI_NOON)
    await asyncio.gather(planner.plan(db, TIP_MON), planner.plan(db, TIP_MON))
    rows = await deliveries(db, Kind.TIP)
    assert sorted(d.recipient for d in rows) == [1, 2]


async def test_no_duplicate_after_restart(db: Database, tmp_path: object) -> None:
    await add_athlete(db, 1, FRI_NOON)
    sender = FakeSender()
    await planner.plan(db, TIP_MON)
    await dispatcher.dispatch(db, sender, KindComposer(), TIP_MON)
    restarted = Database(db.url)  # a new process on the same database
    try:
        await planner.plan(restarted, TIP_MON)
        await dispatcher.dispatch(
            restarted, sender, KindComposer(), TIP_MON + dt.timedelta(minutes=1)
        )
    finally:
        await restarted.dispose()
    assert len(sender.sent) == 1
    assert [d.status for d in await deliveries(db)] == ["sent"]


async def test_warmup_reminder_before_each_run_across_dst(db: Database) -> None:
    # New York, runs Saturday and Sunday 07:30; clocks spring forward Sunday 8 March 2026.
    start = dt.datetime(2026, 3, 6, 12, tzinfo=UTC)
    await add_athlete(
        db, 1, start, timezone="America/New_York", run_days=(SAT, SUN), run_time=dt.time(7, 30)
    )
    sat_remind = dt.datetime(2026, 3, 7, 11, 45, tzinfo=UTC)  # 06:45 EST
    sun_remind = dt.datetime(2026, 3, 8, 10, 45, tzinfo=UTC)  # 06:45 EDT
    assert (await settings_of(db, 1)).next_warmup_at == sat_remind
    await planner.plan(db, sat_remind)
    await planner.plan(db, sun_remind)
    rows = await deliveries(db, Kind.WARMUP)
    assert [(d.due_at, d.expires_at) for d in rows] == [
        (sat_remind, sat_remind + dt.timedelta(minutes=45)),
        (sun_remind, sun_remind + dt.timedelta(minutes=45)),
    ]
    assert rows[1].payload == {"run_at": "2026-03-08T11:30:00+00:00"}


async def test_schedule_change_takes_effect_immediately(db: Database) -> None:
    now = dt.datetime(2026, 3, 23, 12, tzinfo=UTC)  # Monday
    await add_athlete(db, 1, now, run_days=(TUE,), run_time=dt.time(18, 0))
    tue_18 = dt.datetime(2026, 3, 24, 16, 0, tzinfo=UTC)  # 18:00 EET
    assert (await settings_of(db, 1)).next_warmup_at == tue_18 - dt.timedelta(minutes=45)
    # Through /settings: domain change + reschedule in one transaction.
    async with db.transaction() as session:
        settings = await session.get(ReminderSettings, 1)
        athlete = await session.get(Athlete, 1)
        assert settings is not None and athlete is not None
        reminders.set_lead(settings, 30, now)
        reminders.set_tip_day(settings, TUE, now)
        planner.reschedule(settings, athlete, now)
    changed = await settings_of(db, 1)
    assert changed.next_warmup_at == tue_18 - dt.timedelta(minutes=30)
    assert changed.next_tip_at == dt.datetime(2026, 3, 24, 6, 0, tzinfo=UTC) + tip_offset(1)
    # Through /start (the profile edited directly): the next plan pass notices.
    async with db.transaction() as session:
        athlete = await session.get(Athlete, 1)
        assert athlete is not None
        athlete.run_time = dt.time(7, 0)
    report = await planner.plan(db, now)
    assert report.rescheduled == 1
    assert (await settings_of(db, 1)).next_warmup_at == dt.datetime(2026, 3, 24, 4, 30, tzinfo=UTC)


async def test_pause_and_resume(db: Database) -> None:
    await add_athlete(db, 1, FRI_NOON)
    async with db.transaction() as session:
        settings = await session.get(ReminderSettings, 1)
        assert settings is not None
        reminders.pause(settings, FRI_NOON, 7)
    await planner.plan(db, TIP_MON)
    assert await deliveries(db) == []  # paused: nothing planned
    assert (await settings_of(db, 1)).next_tip_at == TIP_NEXT  # the schedule moves on
    await planner.plan(db, TIP_NEXT)  # the pause ended on the 27th
    assert len(await deliveries(db, Kind.TIP)) == 1
    async with db.transaction() as session:
        settings = await session.get(ReminderSettings, 1)
        assert settings is not None
        reminders.pause(settings, TIP_NEXT, None)
    following = TIP_NEXT + dt.timedelta(weeks=1)
    await planner.plan(db, following)
    assert len(await deliveries(db, Kind.TIP)) == 1
    async with db.transaction() as session:
        settings = await session.get(ReminderSettings, 1)
        assert settings is not None
        reminders.resume(settings, following)
    await planner.plan(db, following + dt.timedelta(weeks=1))
    assert len(await deliveries(db, Kind.TIP)) == 2


async def test_catch_up_after_downtime(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    # Monday runs at 07:00 Helsinki (05:00 UTC), reminder at 04:15 UTC; tip at 06:00 UTC.
    await add_athlete(db, 1, FRI_NOON, run_days=(MON,), run_time=dt.time(7, 0))
    back_up = TIP_MON + dt.timedelta(hours=5)  # the server was down all Monday morning
    sender = FakeSender()
    await planner.plan(db, back_up)
    with caplog.at_level(logging.WARNING, logger="scheduler.dispatcher"):
        report = await dispatcher.dispatch(db, sender, KindComposer(), back_up)
    assert report["sent"] == 1 and report["expired"] == 1
    assert [m.text.split()[0] for m in sender.sent] == ["tip"]  # late by hours: still sent
    by_kind = {d.kind: d.status for d in await deliveries(db)}
    assert by_kind == {"tip": "sent", "warmup": "expired"}  # the run had started
    assert "expired" in caplog.text and "warmup" in caplog.text


async def test_long_downtime_plans_each_missed_occurrence_once(db: Database) -> None:
    await add_athlete(db, 1, FRI_NOON)
    three_weeks = TIP_MON + dt.timedelta(weeks=2, hours=3)
    await planner.plan(db, three_weeks)
    sender = FakeSender()
    report = await dispatcher.dispatch(db, sender, KindComposer(), three_weeks)
    assert report["expired"] == 2 and report["sent"] == 1
    assert (await settings_of(db, 1)).next_tip_at == TIP_MON + dt.timedelta(weeks=3, hours=-1)


async def test_blocked_athlete_is_marked_inactive_and_skipped(db: Database) -> None:
    await add_athlete(db, 1, FRI_NOON)
    await add_athlete(db, 2, FRI_NOON)
    sender = FakeSender()
    sender.results.append(SendResult(Outcome.BLOCKED, error="Forbidden: bot was blocked"))
    await planner.plan(db, TIP_MON)
    report = await dispatcher.dispatch(db, sender, KindComposer(), TIP_MON)
    assert report["blocked"] == 1 and report["sent"] == 1
    blocked_id = sender.sent[0].chat_id
    async with db.transaction() as session:
        athlete = await session.get(Athlete, blocked_id)
        assert athlete is not None and athlete.active is False
    assert (await settings_of(db, blocked_id)).next_tip_at is None
    await planner.plan(db, TIP_NEXT)
    await dispatcher.dispatch(db, sender, KindComposer(), TIP_NEXT)
    assert [m.chat_id for m in sender.sent[2:]] == [3 - blocked_id]
    # A new /start re-activates: the next plan pass schedules them again.
    async with db.transaction() as session:
        athlete = await session.get(Athlete, blocked_id)
        assert athlete is not None
        athlete.active = True
    await planner.plan(db, TIP_NEXT + dt.timedelta(hours=1))
    monday_after = dt.datetime(2026, 4, 6, 5, 0, tzinfo=UTC) + tip_offset(blocked_id)
    assert (await settings_of(db, blocked_id)).next_tip_at == monday_after


async def test_retry_after_is_honoured(db: Database) -> None:
    await add_athlete(db, 1, FRI_NOON)
    sender = FakeSender()
    sender.results.append(SendResult(Outcome.RETRY, retry_after=30, error="429"))
    await planner.plan(db, TIP_MON)
    assert (await dispatcher.dispatch(db, sender, KindComposer(), TIP_MON))["retry"] == 1
    [row] = await deliveries(db)
    assert (row.status, row.not_before, row.attempts) == (
        "pending",
        TIP_MON + dt.timedelta(seconds=30),
        1,
    )
    await dispatcher.dispatch(db, sender, KindComposer(), TIP_MON + dt.timedelta(seconds=29))
    assert len(sender.sent) == 1  # not before retry_after
    await dispatcher.dispatch(db, sender, KindComposer(), TIP_MON + dt.timedelta(seconds=30))
    [row] = await deliveries(db)
    assert (row.status, row.attempts, len(sender.sent)) == ("sent", 2, 2)


async def test_read_timeout_is_unknown_and_not_resent(db: Database) -> None:
    await add_athlete(db, 1, FRI_NOON)
    sender = FakeSender()
    sender.results.append(SendResult(Outcome.UNKNOWN, error="timed out"))
    await planner.plan(db, TIP_MON)
    await dispatcher.dispatch(db, sender, KindComposer(), TIP_MON)
    await dispatcher.dispatch(db, sender, KindComposer(), TIP_MON + dt.timedelta(minutes=5))
    [row] = await deliveries(db)
    assert row.status == Status.UNKNOWN and len(sender.sent) == 1


async def test_switched_off_kind_is_not_planned(db: Database) -> None:
    await add_athlete(db, 1, FRI_NOON)
    async with db.transaction() as session:
        settings = await session.get(ReminderSettings, 1)
        athlete = await session.get(Athlete, 1)
        assert settings is not None and athlete is not None
        reminders.toggle(settings, "tip", FRI_NOON)
        planner.reschedule(settings, athlete, FRI_NOON)
    assert (await settings_of(db, 1)).next_tip_at is None
    await planner.plan(db, TIP_MON)
    assert await deliveries(db, Kind.TIP) == []


async def test_onboarded_athlete_without_settings_is_provisioned(db: Database) -> None:
    await add_athlete(db, 1, FRI_NOON, with_settings=False)
    report = await planner.plan(db, FRI_NOON)
    assert report.provisioned == 1
    assert (await settings_of(db, 1)).next_tip_at == TIP_MON


async def test_one_retest_reminder_per_result(db: Database) -> None:
    await add_athlete(db, 1, FRI_NOON)
    due = FRI_NOON + dt.timedelta(weeks=4)
    async with db.transaction() as session:
        session.add(
            SelftestResult(
                athlete_id=1,
                created_at=FRI_NOON,
                content_version="t",
                answers={},
                scores={},
                findings={},
                retest_due_at=due,
            )
        )
    await planner.plan(db, due - dt.timedelta(minutes=1))
    assert await deliveries(db, Kind.RETEST) == []
    await planner.plan(db, due)
    await planner.plan(db, due + dt.timedelta(minutes=1))
    [row] = await deliveries(db, Kind.RETEST)
    assert row.ref_id is not None and row.slot == f"r{row.ref_id}"


async def test_snooze_is_one_off_and_schedule_does_not_move(db: Database) -> None:
    await add_athlete(db, 1, FRI_NOON, run_days=(MON,), run_time=dt.time(7, 0))
    remind = dt.datetime(2026, 3, 23, 4, 15, tzinfo=UTC)
    sender = FakeSender()
    await planner.plan(db, remind)
    await dispatcher.dispatch(db, sender, KindComposer(), remind)
    next_before = (await settings_of(db, 1)).next_warmup_at
    async with db.transaction() as session:
        [warmup] = list(await session.scalars(select(Delivery).where(Delivery.kind == Kind.WARMUP)))
        first = await reminders.snooze(session, warmup, 1, remind)
        second = await reminders.snooze(session, warmup, 1, remind)  # double tap
        assert first.id == second.id
    assert (await settings_of(db, 1)).next_warmup_at == next_before
    await dispatcher.dispatch(db, sender, KindComposer(), remind + dt.timedelta(minutes=15))
    assert [m.text.split()[0] for m in sender.sent] == ["warmup", "snooze"]
    async with db.transaction() as session:
        count = await session.scalar(select(func.count()).select_from(Delivery))
    assert count == 2
