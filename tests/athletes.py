"""Putting onboarded athletes (and their reminder settings) straight into a test database."""

from __future__ import annotations

import datetime as dt

from coaching import reminders
from coaching.db import Database
from coaching.models import Athlete
from scheduler.planner import reschedule

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


async def add_athlete(
    db: Database,
    athlete_id: int,
    now: dt.datetime,
    *,
    timezone: str = "Europe/Helsinki",
    run_days: tuple[int, ...] = (),
    run_time: dt.time | None = None,
    triathlete: bool = False,
    lead: int = 45,
    tips: bool = True,
    checkins: bool = False,
    with_settings: bool = True,
) -> None:
    """An onboarded English-speaking athlete with reminder settings scheduled from `now`.

    Check-ins are off unless asked for, so tests of tips and warm-ups see only those.
    """
    async with db.transaction() as session:
        athlete = Athlete(
            id=athlete_id,
            first_name=f"A{athlete_id}",
            language="en",
            timezone=timezone,
            run_days_mask=sum(1 << d for d in run_days),
            run_time=run_time,
            triathlete=triathlete,
            consent_at=now,
            onboarded_at=now,
            onboarding_step=None,
            active=True,
            created_at=now,
        )
        session.add(athlete)
        await session.flush()
        if with_settings:
            settings = reminders.new_settings(athlete_id, now)
            settings.warmup_lead_minutes = lead
            settings.tips_enabled = tips
            settings.checkins_enabled = checkins
            reschedule(settings, athlete, now)
            session.add(settings)
