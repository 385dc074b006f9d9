"""Planning the coaches' weekly digest, and forgetting relayed texts once delivered.

Called from every planning pass (`scheduler.planner.plan`). Each coach's next
digest is due on Monday at 08:00 in the coach's own zone
(`coaching.coach_profile`); like the athletes' reminders, the due instant is
stored (`coach_settings.next_digest_at`, UTC, indexed) so a pass only reads
coaches whose digest is due, and the delivery is unique on (chat, kind, slot),
so two passes or two instances plan it once. A coach who changes their zone
has the instant recomputed. A digest more than a day late is dropped as expired.

The same pass clears the text of relayed replies whose delivery is settled
(`coaching.relay.forget_settled`): the bot keeps no copy of a conversation.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import or_, select

from coaching import outbox, relay
from coaching.coach_models import Coach
from coaching.console_models import CoachSettings
from coaching.db import Database
from coaching.models import Athlete
from coaching.outbox import Kind
from scheduler.recurrence import next_weekly, slot_key, week_start

log = logging.getLogger(__name__)

DIGEST_WEEKDAY = 0  # Monday
DIGEST_TIME = dt.time(8, 0)
GRACE = dt.timedelta(hours=24)
BATCH = 500


def next_digest_after(after: dt.datetime, zone: str | None) -> dt.datetime:
    return next_weekly(after, DIGEST_WEEKDAY, DIGEST_TIME, zone)


def _zone(settings: CoachSettings, athlete: Athlete | None) -> str:
    if settings.timezone:
        return settings.timezone
    return athlete.timezone if athlete is not None and athlete.timezone else "UTC"


async def plan(db: Database, now: dt.datetime, batch: int = BATCH) -> int:
    """One pass: schedule new coaches' digests, plan those due; returns digests planned."""
    planned = 0
    async with db.transaction() as session:
        fresh = await session.execute(
            select(Coach, CoachSettings, Athlete)
            .outerjoin(CoachSettings, CoachSettings.coach_id == Coach.user_id)
            .outerjoin(Athlete, Athlete.id == Coach.user_id)
            .where(
                Coach.revoked_at.is_(None),
                or_(
                    CoachSettings.coach_id.is_(None),
                    CoachSettings.digest_enabled.is_(True) & CoachSettings.next_digest_at.is_(None),
                ),
            )
            .limit(batch)
        )
        for coach, settings, athlete in fresh.tuples():
            if settings is None:
                settings = CoachSettings(coach_id=coach.user_id, display_name="", updated_at=now)
                session.add(settings)
            settings.next_digest_at = next_digest_after(now, _zone(settings, athlete))
        due = await session.execute(
            select(CoachSettings, Athlete)
            .outerjoin(Athlete, Athlete.id == CoachSettings.coach_id)
            .where(
                CoachSettings.next_digest_at.is_not(None),
                CoachSettings.next_digest_at <= now,
            )
            .limit(batch)
        )
        rows = []
        for settings, athlete in due.tuples():
            at = settings.next_digest_at
            assert at is not None
            zone = _zone(settings, athlete)
            if settings.digest_enabled and now - at <= GRACE:
                past_week = week_start(at, zone) - dt.timedelta(days=7)
                rows.append(
                    outbox.planned(
                        Kind.DIGEST,
                        slot_key(at),
                        at,
                        now,
                        chat_id=settings.coach_id,
                        expires=at + GRACE,
                        payload={"week": past_week.isoformat()},
                    )
                )
            settings.next_digest_at = next_digest_after(max(at, now), zone)
        planned = await outbox.insert(session, rows)
        forgotten = await relay.forget_settled(session)
    if planned or forgotten:
        log.info("coach digests planned %d; relayed texts forgotten %d", planned, forgotten)
    return planned
