"""The warm-up reminder end to end: plan and dispatch jobs → fake Telegram → "Done" stored.

The real Application runs in this event loop and long-polls the fake Bot API.
Its clock is fixed so that the athlete's run is 50 minutes away: the 45-minute
reminder is due within the next five minutes of fake time, and the jobs run
every 0.1 s of real time, so the test waits on messages, never on sleeps.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.app import ALLOWED_UPDATES, build_application
from bot.settings import load_settings
from coaching import reminders
from coaching.db import Database
from coaching.models import Athlete
from coaching.outbox import Delivery
from coaching.reminders.models import Checkin, WarmupAck
from fakeapi import FakeBotApi, FakeUser
from knowledge import load_knowledge
from scheduler import planner
from tests.e2e.harness import TOKEN, has_button, stop_bot

UTC = dt.UTC
ANN = 4242


async def test_warmup_reminder_done_is_stored(api: FakeBotApi, database_url: str) -> None:
    url = database_url
    # Friday 20 March 2026, 06:40 in Helsinki; Ann runs on Fridays at 07:30.
    clock_now = [dt.datetime(2026, 3, 20, 4, 40, 30, tzinfo=UTC)]
    db = Database(url)
    async with db.transaction() as session:
        ann_row = Athlete(
            id=ANN,
            first_name="Ann",
            language="en",
            timezone="Europe/Helsinki",
            run_days_mask=1 << 4,
            run_time=dt.time(7, 30),
            triathlete=False,
            consent_at=clock_now[0],
            onboarded_at=clock_now[0],
            onboarding_step=None,
            active=True,
            created_at=clock_now[0],
        )
        session.add(ann_row)
        await session.flush()
        reminder_settings = reminders.new_settings(ANN, clock_now[0])
        planner.reschedule(reminder_settings, ann_row, clock_now[0])
        session.add(reminder_settings)
    settings = load_settings(
        telegram_bot_token=TOKEN,
        telegram_api_url=api.root_url,
        database_url=url,
        plan_interval_seconds=0.1,
        dispatch_interval_seconds=0.1,
    )
    app = build_application(settings, db, load_knowledge(), clock=lambda: clock_now[0])
    ann = FakeUser(api, ANN, started=True)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
    try:
        # Ann's reminder is due at 06:45 local: nothing is sent yet; then time moves on.
        await api.wait_until_async(lambda: api.waiting_polls > 0)
        clock_now[0] = dt.datetime(2026, 3, 20, 4, 45, 5, tzinfo=UTC)  # 06:45:05 local
        reminder = await ann.wait_message_async(
            contains="activation", predicate=has_button("Done"), timeout=15
        )
        assert "07:30" in (reminder.text or "")
        assert "Pre-run activation" in (reminder.text or "")
        query_id = ann.tap("Done", in_message=reminder)
        await ann.wait_callback_answered_async(query_id)
        await ann.wait_message_async(contains="Have a good one")
        # A second tap on the old button (a double tap) is answered and stores nothing new.
        done_data = next(str(d) for row in reminder.buttons for t, d in row if t == "Done")
        again = await ann.wait_callback_answered_async(ann.tap_data(reminder.message_id, done_data))
        assert again.answer_text == "You already answered this reminder."
    finally:
        await stop_bot(app)

    check = Database(url)
    try:
        async with check.transaction() as session:
            acks = list(await session.scalars(select(WarmupAck)))
            warmups = list(await session.scalars(select(Delivery)))
            checkins = list(await session.scalars(select(Checkin)))
    finally:
        await check.dispose()
    assert [(a.athlete_id, a.answer) for a in acks] == [(ANN, "done")]
    assert acks[0].run_at == dt.datetime(2026, 3, 20, 5, 30, tzinfo=UTC)
    assert [(d.kind, d.status) for d in warmups] == [("warmup", "sent")]
    assert acks[0].delivery_id == warmups[0].id and checkins == []
