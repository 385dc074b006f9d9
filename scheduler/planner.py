"""Planning: turn due `next_*_at` instants into `delivery` rows, then move them on.

Run by the `plan` job every minute. Each pass asks the database only for rows
that are due (indexed `next_*_at <= now`, at most `batch` at a time), so the
work per pass follows what is due, not how many athletes there are. A delivery
is inserted with INSERT ... ON CONFLICT DO NOTHING on (athlete, kind, slot):
planning twice, or on two instances at once, gives one row. On PostgreSQL the
due settings rows are also locked with SKIP LOCKED so instances share the work.

After downtime every missed occurrence is still planned, each with its own
expiry; the dispatcher sends those still within their grace window and
records the rest as `expired`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from coaching import outbox, reminders
from coaching.db import Database
from coaching.models import Athlete, SelftestResult
from coaching.outbox import Delivery, Kind
from coaching.reminders.models import ReminderSettings
from scheduler import digest
from scheduler.recurrence import (
    next_run_reminder,
    next_weekly,
    slot_key,
    tip_offset,
    week_start,
)

log = logging.getLogger(__name__)

BATCH = 500
MAX_CATCHUP = 50  # occurrences planned per athlete and kind in one pass after downtime
GRACE: dict[str, dt.timedelta] = {
    Kind.TIP: dt.timedelta(hours=24),
    Kind.CHECKIN: dt.timedelta(hours=24),
    Kind.RETEST: dt.timedelta(days=14),
}
"""How late a delivery may still be sent; a warm-up expires when its run starts."""


@dataclass
class PlanReport:
    planned: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    provisioned: int = 0
    rescheduled: int = 0

    def count(self, kind: str) -> None:
        self.planned[kind] = self.planned.get(kind, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.planned.values())


# --------------------------------------------------------------------- schedule math


def _schedulable(athlete: Athlete) -> bool:
    return bool(athlete.active) and athlete.onboarded_at is not None


def next_tip_after(settings: ReminderSettings, athlete: Athlete, after: dt.datetime) -> dt.datetime:
    """The athlete's next weekly tip: the chosen day and time plus their own offset within
    the hour (`recurrence.tip_offset`), so that a Monday morning is not one spike."""
    return next_weekly(
        after, settings.tip_weekday, settings.tip_time, athlete.timezone, tip_offset(athlete.id)
    )


def next_checkin_after(
    settings: ReminderSettings, athlete: Athlete, after: dt.datetime
) -> dt.datetime:
    return next_weekly(after, settings.checkin_weekday, settings.checkin_time, athlete.timezone)


def next_warmup_after(
    settings: ReminderSettings, athlete: Athlete, after: dt.datetime
) -> dt.datetime | None:
    reminder = next_run_reminder(
        after,
        athlete.run_days_mask,
        athlete.run_time,
        dt.timedelta(minutes=settings.warmup_lead_minutes),
        athlete.timezone,
    )
    return reminder.remind_at if reminder else None


def reschedule(settings: ReminderSettings, athlete: Athlete, now: dt.datetime) -> None:
    """Recompute every `next_*_at` from `now`: a settings change takes effect at once.

    Pauses do not clear the schedule (the planner skips paused occurrences), so
    /resume needs no catch-up; an inactive athlete has nothing scheduled.
    """
    ok = _schedulable(athlete)
    settings.next_tip_at = (
        next_tip_after(settings, athlete, now) if ok and settings.tips_enabled else None
    )
    settings.next_checkin_at = (
        next_checkin_after(settings, athlete, now) if ok and settings.checkins_enabled else None
    )
    settings.next_warmup_at = (
        next_warmup_after(settings, athlete, now) if ok and settings.warmups_enabled else None
    )
    settings.computed_timezone = athlete.timezone
    settings.computed_run_days_mask = athlete.run_days_mask
    settings.computed_run_time = athlete.run_time


def unschedule(settings: ReminderSettings) -> None:
    """Nothing more is planned (the athlete blocked the bot)."""
    settings.next_tip_at = settings.next_warmup_at = settings.next_checkin_at = None


# --------------------------------------------------------------------- inserting


def _delivery(
    athlete_id: int,
    kind: str,
    slot: str,
    due: dt.datetime,
    expires: dt.datetime | None,
    now: dt.datetime,
    payload: dict[str, Any] | None = None,
    ref_id: int | None = None,
) -> dict[str, Any]:
    return outbox.planned(
        kind, slot, due, now, athlete_id=athlete_id, expires=expires, payload=payload, ref_id=ref_id
    )


# --------------------------------------------------------------------- the passes


async def provision(db: Database, now: dt.datetime, batch: int = BATCH) -> tuple[int, int]:
    """Give onboarded athletes default settings, and follow profile edits made in /start.

    Returns (created, recomputed). One indexed anti-join per pass, `batch` rows at most.
    """
    async with db.transaction() as session:
        missing = await session.scalars(
            select(Athlete)
            .outerjoin(ReminderSettings, ReminderSettings.athlete_id == Athlete.id)
            .where(
                ReminderSettings.athlete_id.is_(None),
                Athlete.onboarded_at.is_not(None),
                Athlete.onboarding_step.is_(None),
                Athlete.active.is_(True),
            )
            .limit(batch)
        )
        created = 0
        for athlete in missing:
            settings = reminders.new_settings(athlete.id, now)
            reschedule(settings, athlete, now)
            session.add(settings)
            created += 1
        changed = await session.execute(
            select(ReminderSettings, Athlete)
            .join(Athlete, Athlete.id == ReminderSettings.athlete_id)
            .where(
                Athlete.active.is_(True),
                Athlete.onboarding_step.is_(None),
                or_(
                    ReminderSettings.computed_timezone.is_distinct_from(Athlete.timezone),
                    ReminderSettings.computed_run_days_mask != Athlete.run_days_mask,
                    ReminderSettings.computed_run_time.is_distinct_from(Athlete.run_time),
                    # re-activated by /start after blocking the bot: nothing scheduled yet
                    and_(ReminderSettings.tips_enabled, ReminderSettings.next_tip_at.is_(None)),
                    and_(
                        ReminderSettings.checkins_enabled,
                        ReminderSettings.next_checkin_at.is_(None),
                    ),
                ),
            )
            .limit(batch)
        )
        recomputed = 0
        for settings, athlete in changed.tuples():
            reschedule(settings, athlete, now)
            recomputed += 1
    return created, recomputed


_COLUMNS = {
    Kind.TIP: ReminderSettings.next_tip_at,
    Kind.WARMUP: ReminderSettings.next_warmup_at,
    Kind.CHECKIN: ReminderSettings.next_checkin_at,
}


def _occurrence(
    kind: Kind, settings: ReminderSettings, athlete: Athlete, due: dt.datetime, now: dt.datetime
) -> tuple[dict[str, Any], dt.datetime | None]:
    """The delivery for the occurrence due at `due`, and the next due instant."""
    if kind is Kind.WARMUP:
        run_at = due + dt.timedelta(minutes=settings.warmup_lead_minutes)
        values = _delivery(
            athlete.id,
            kind,
            slot_key(run_at),
            due,
            run_at,
            now,
            payload={"run_at": run_at.isoformat()},
        )
        return values, next_warmup_after(settings, athlete, due)
    if kind is Kind.TIP:
        values = _delivery(athlete.id, kind, slot_key(due), due, due + GRACE[kind], now)
        return values, next_tip_after(settings, athlete, due)
    payload = {"week": week_start(due, athlete.timezone).isoformat()}
    values = _delivery(athlete.id, kind, slot_key(due), due, due + GRACE[kind], now, payload)
    return values, next_checkin_after(settings, athlete, due)


async def _plan_kind(
    db: Database, kind: Kind, now: dt.datetime, batch: int, report: PlanReport
) -> int:
    """One batch of athletes whose next `kind` is due; returns how many rows were read."""
    column = _COLUMNS[kind]
    async with db.transaction() as session:
        query = (
            select(ReminderSettings, Athlete)
            .join(Athlete, Athlete.id == ReminderSettings.athlete_id)
            .where(column.is_not(None), column <= now)
            .order_by(column)
            .limit(batch)
        )
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=ReminderSettings)
        rows = (await session.execute(query)).tuples().all()
        planned: list[dict[str, Any]] = []
        for settings, athlete in rows:
            if not _schedulable(athlete):
                unschedule(settings)
                continue
            due = getattr(settings, column.key)
            for _ in range(MAX_CATCHUP):
                if due is None or due > now:
                    break
                values, following = _occurrence(kind, settings, athlete, due, now)
                if reminders.is_paused(settings, due):
                    log.info("athlete %s is paused: %s at %s not planned", athlete.id, kind, due)
                else:
                    planned.append(values)
                due = following
            else:
                log.warning(
                    "athlete %s: more than %d missed %s occurrences; the rest are skipped",
                    athlete.id,
                    MAX_CATCHUP,
                    kind,
                )
                reschedule(settings, athlete, now)
                continue
            setattr(settings, column.key, due)
        added = await outbox.insert(session, planned)
        if added:
            report.planned[kind] = report.planned.get(kind, 0) + added
        report.duplicates += len(planned) - added
    return len(rows)


async def _plan_retests(db: Database, now: dt.datetime, batch: int, report: PlanReport) -> int:
    """One reminder per self-test result, four weeks on, unless a newer result exists."""
    newer = aliased(SelftestResult)
    window_start = now - GRACE[Kind.RETEST]
    async with db.transaction() as session:
        rows = (
            await session.execute(
                select(SelftestResult.id, SelftestResult.athlete_id, SelftestResult.retest_due_at)
                .join(Athlete, Athlete.id == SelftestResult.athlete_id)
                .join(ReminderSettings, ReminderSettings.athlete_id == SelftestResult.athlete_id)
                .where(
                    SelftestResult.retest_due_at <= now,
                    SelftestResult.retest_due_at > window_start,
                    Athlete.active.is_(True),
                    ReminderSettings.retest_enabled.is_(True),
                    ReminderSettings.paused.is_(False),
                    or_(
                        ReminderSettings.paused_until.is_(None),
                        ReminderSettings.paused_until <= now,
                    ),
                    ~exists().where(
                        newer.athlete_id == SelftestResult.athlete_id,
                        newer.created_at > SelftestResult.created_at,
                    ),
                    ~exists().where(
                        and_(
                            Delivery.athlete_id == SelftestResult.athlete_id,
                            Delivery.kind == Kind.RETEST.value,
                            Delivery.ref_id == SelftestResult.id,
                        )
                    ),
                )
                .order_by(SelftestResult.retest_due_at)
                .limit(batch)
            )
        ).tuples()
        count = 0
        for result_id, athlete_id, due in rows:
            count += 1
            values = _delivery(
                athlete_id,
                Kind.RETEST,
                f"r{result_id}",
                due,
                due + GRACE[Kind.RETEST],
                now,
                ref_id=result_id,
            )
            if await outbox.insert_one(session, values):
                report.count(Kind.RETEST)
            else:
                report.duplicates += 1
    return count


async def plan(db: Database, now: dt.datetime, batch: int = BATCH) -> PlanReport:
    """One planning pass: provision settings, then every due occurrence becomes a delivery."""
    report = PlanReport()
    report.provisioned, report.rescheduled = await provision(db, now, batch)
    for kind in _COLUMNS:
        while await _plan_kind(db, kind, now, batch, report) == batch:
            pass
    while await _plan_retests(db, now, batch, report) == batch:
        pass
    await digest.plan(db, now, batch)  # the coaches' weekly digests (scheduler/digest.py)
    if report.total or report.provisioned or report.rescheduled:
        log.info(
            "planned %s (duplicates %d, provisioned %d, rescheduled %d)",
            report.planned,
            report.duplicates,
            report.provisioned,
            report.rescheduled,
        )
    return report
