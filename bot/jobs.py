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

from bot.sender import BotApiSender
from bot.services import SERVICES_KEY, Services, services
from scheduler import planner
from scheduler.dispatcher import Dispatcher
from scheduler.messages import composers
from scheduler.pacing import FREE, PAID, PAID_RATE, Pace, SharedPace, Unpaced

log = logging.getLogger(__name__)
PLAN_JOB = "plan"
DISPATCH_JOB = "dispatch"
DISPATCH_BUDGET = dt.timedelta(minutes=5)  # then the job yields and the next run goes on


async def plan_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Materialise every due occurrence as a delivery row."""
    svc = services(context)
    await planner.plan(svc.db, svc.clock())


async def dispatch_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Send the due deliveries at the shared pace, as long as there are any."""
    svc = services(context)
    await dispatcher_of(svc).run(
        svc.clock, DISPATCH_BUDGET, keep_going=lambda: context.application.running
    )


def dispatcher_of(svc: Services) -> Dispatcher:
    """This instance's one dispatcher, made on first use (a dispatch pass or a reply's turn)."""
    if svc.dispatcher is None:
        svc.dispatcher = outbox_dispatcher(svc)
    return svc.dispatcher


def outbox_dispatcher(svc: Services) -> Dispatcher:
    """This instance's dispatcher: its own HTTP lane to the Bot API, the lanes' shared
    paces (SEND_RATE_LIMIT for ordinary messages, 1000/s for paid broadcasts)."""
    settings = svc.settings
    free: Pace = (
        SharedPace(svc.db, FREE, settings.send_rate_limit)
        if settings.send_rate_limit > 0
        else Unpaced()
    )
    return Dispatcher(
        svc.db,
        BotApiSender(settings.api_url, settings.token()),
        composers(svc.kb, paid_broadcast=settings.paid_broadcast),
        paces={FREE: free, PAID: SharedPace(svc.db, PAID, PAID_RATE)},
        lease=dt.timedelta(seconds=settings.delivery_lease_seconds),
    )


async def close_dispatcher(svc: Services) -> None:
    """Give back what this instance claimed but never sent, and close its HTTP lane."""
    if svc.dispatcher is None:
        return
    await svc.dispatcher.stop()


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
