"""The real bot on a clock the test moves, and the small waits its end-to-end tests share.

`clocked_bot` runs the Application in the test's event loop against the fake
Bot API with `plan` and `dispatch` every 0.1 s of real time, reading the time
from a `Clock` the test sets: moving the clock past a due instant makes the
next passes plan and send it. Tests wait on conditions (a bot message, a
database state), never on sleeps; the one bounded negative check is
`FakeUser.assert_no_message_async`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from sqlalchemy import select
from telegram.ext import Application

import tests.athletes
from bot.app import ALLOWED_UPDATES, build_application
from bot.settings import load_settings
from coaching.db import Database
from coaching.models import Athlete
from coaching.outbox import Delivery
from coaching.reminders.models import Checkin, ReminderSettings, WarmupAck
from fakeapi import BotEvent, FakeBotApi, FakeUser
from knowledge import load_knowledge
from tests.athletes import FRI, MON, SAT, SUN, THU, TUE, WED
from tests.e2e.harness import TOKEN, has_button, stop_bot

UTC = dt.UTC


class Clock:
    """The bot's `now`: fixed until the test moves it."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


# The end-to-end tests see every kind of scheduled message unless told otherwise.
add_athlete = partial(tests.athletes.add_athlete, checkins=True)


@asynccontextmanager
async def clocked_bot(api: FakeBotApi, db: Database, clock: Clock) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """The real Application long polling `api`, its jobs every 0.1 s, its time from `clock`.

    The fake's per-chat flood limit is off: a retry it asks for is due on the bot's
    clock, which stands still here unless the test moves it.
    """
    api.private_burst = None
    settings = load_settings(
        telegram_bot_token=TOKEN,
        telegram_api_url=api.root_url,
        database_url=db.url,
        plan_interval_seconds=0.1,
        dispatch_interval_seconds=0.1,
    )
    app = build_application(settings, db, load_knowledge(), clock=clock)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
    try:
        await api.wait_until_async(lambda: api.waiting_polls > 0, what="the bot to poll")
        yield app
    finally:
        await stop_bot(app)  # also disposes `db`


async def stored_settings(db: Database, athlete_id: int) -> ReminderSettings:
    async with db.transaction() as session:
        found = await session.get(ReminderSettings, athlete_id)
    assert found is not None
    return found


async def stored_athlete(db: Database, athlete_id: int) -> Athlete:
    async with db.transaction() as session:
        found = await session.get(Athlete, athlete_id)
    assert found is not None
    return found


async def deliveries(db: Database, athlete_id: int) -> list[Delivery]:
    async with db.transaction() as session:
        found = await session.scalars(
            select(Delivery)
            .where(Delivery.athlete_id == athlete_id)
            .order_by(Delivery.due_at, Delivery.id)
        )
        return list(found)


async def checkins(db: Database, athlete_id: int) -> list[Checkin]:
    async with db.transaction() as session:
        found = await session.scalars(
            select(Checkin).where(Checkin.athlete_id == athlete_id).order_by(Checkin.week_start)
        )
        return list(found)


async def warmup_acks(db: Database, athlete_id: int) -> list[WarmupAck]:
    async with db.transaction() as session:
        found = await session.scalars(
            select(WarmupAck).where(WarmupAck.athlete_id == athlete_id).order_by(WarmupAck.id)
        )
        return list(found)


async def press(
    user: FakeUser, label: str, message: BotEvent | int, contains: str | None = None
) -> BotEvent:
    """Tap `label` on `message`, wait for the tap to be answered and for the bot's next
    output containing `contains` (or any output); returns that output."""
    await user.wait_callback_answered_async(user.tap(label, in_message=message))
    return await user.wait_message_async(contains=contains)


async def tap_answer(user: FakeUser, message: BotEvent | int, data: str) -> str | None:
    """Tap a button with arbitrary (stale or forged) data; the text the tap was answered with."""
    message_id = message if isinstance(message, int) else message.message_id
    record = await user.wait_callback_answered_async(user.tap_data(message_id, data))
    return record.answer_text


def button_data(event: BotEvent, label: str) -> str:
    """The callback data of the button labelled `label` in `event`."""
    return next(str(data) for row in event.buttons for text, data in row if text == label)


__all__ = [
    "FRI",
    "MON",
    "SAT",
    "SUN",
    "THU",
    "TUE",
    "UTC",
    "WED",
    "Clock",
    "add_athlete",
    "button_data",
    "checkins",
    "clocked_bot",
    "deliveries",
    "has_button",
    "press",
    "stored_athlete",
    "stored_settings",
    "tap_answer",
    "warmup_acks",
]
