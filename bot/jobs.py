"""The two recurring jobs on PTB's JobQueue: `plan` (every minute) and `dispatch`.

There is no job per athlete: everything due lives in the database, so a
restart or a second instance loses and duplicates nothing. Usage::

    install_jobs(application)                    # intervals from Settings
    install_jobs(application, plan_interval=0.2) # e.g. in a test

`plan_job` and `dispatch_job` can also be called directly with a context.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from telegram.ext import Application, CallbackContext

from bot.sender import BotSender
from bot.services import SERVICES_KEY, Services, services
from scheduler import dispatcher, planner
from scheduler.messages import Composer

log = logging.getLogger(__name__)
PLAN_JOB = "plan"
DISPATCH_JOB = "dispatch"
DISPATCH_BUDGET = dt.timedelta(minutes=5)  # then the job yields and the next run goes on


async def plan_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Materialise every due occurrence as a delivery row."""
    svc = services(context)
    await planner.plan(svc.db, svc.clock())


async def dispatch_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Send the due deliveries through the rate-limited bot, as long as there are any."""
    svc = services(context)
    await dispatcher.dispatch_until_idle(
        svc.db,
        BotSender(context.bot),
        Composer(svc.kb),
        svc.clock,
        DISPATCH_BUDGET,
        keep_going=lambda: context.application.running,
    )


def install_jobs(
    application: Application,  # type: ignore[type-arg]
    plan_interval: float | None = None,
    dispatch_interval: float | None = None,
) -> None:
    """Register `plan` and `dispatch`; each runs one at a time (APScheduler max_instances=1)."""
    queue = application.job_queue
    if queue is None:
        log.warning("no JobQueue (install python-telegram-bot[job-queue]): nothing scheduled")
        return
    settings = services_settings(application)
    plan_every = plan_interval if plan_interval is not None else settings[0]
    dispatch_every = dispatch_interval if dispatch_interval is not None else settings[1]
    job_kwargs = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    queue.run_repeating(
        plan_job, interval=plan_every, first=plan_every, name=PLAN_JOB, job_kwargs=job_kwargs
    )
    queue.run_repeating(
        dispatch_job,
        interval=dispatch_every,
        first=dispatch_every,
        name=DISPATCH_JOB,
        job_kwargs=job_kwargs,
    )


def services_settings(application: Application) -> tuple[float, float]:  # type: ignore[type-arg]
    """(plan, dispatch) intervals in seconds from the application's settings."""
    svc = application.bot_data.get(SERVICES_KEY)
    if not isinstance(svc, Services):
        return 60.0, 5.0
    return svc.settings.plan_interval_seconds, svc.settings.dispatch_interval_seconds
