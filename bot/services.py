"""What every handler needs, stored once in `application.bot_data`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import CallbackContext

from bot.settings import Settings
from coaching.base import utcnow
from coaching.db import Database
from coaching.reminders import Reschedule
from knowledge import KnowledgeBase
from scheduler.dispatcher import Dispatcher
from scheduler.planner import reschedule

SERVICES_KEY = "hipcoach.services"


@dataclass
class Services:
    settings: Settings
    db: Database
    kb: KnowledgeBase
    clock: Callable[[], dt.datetime] = field(default=utcnow)
    # The outbox's sender of this instance (its own HTTP lane to Telegram), set up
    # by `bot.jobs.dispatcher_of`; kept here so its circuit breaker outlives a pass.
    dispatcher: Dispatcher | None = None
    # What a settings change runs so the next reminders move at once (`coaching`
    # does not import the scheduler, so its use cases are handed this).
    reschedule: Reschedule = field(default=reschedule)


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    found = context.application.bot_data[SERVICES_KEY]
    assert isinstance(found, Services)
    return found
