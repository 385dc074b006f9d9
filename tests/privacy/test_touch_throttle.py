"""The "last seen" note costs a database transaction at most once a minute per athlete."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from sqlalchemy import event
from telegram import Chat, Message, Update, User

from bot.handlers.privacy import touch
from bot.services import SERVICES_KEY, Services
from bot.settings import load_settings
from coaching.db import Database
from coaching.models import Athlete
from knowledge import KnowledgeBase

T0 = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def update_from(user_id: int) -> Update:
    user = User(id=user_id, is_bot=False, first_name="Ann")
    chat = Chat(id=user_id, type=Chat.PRIVATE)
    return Update(1, message=Message(1, T0, chat, from_user=user, text="hi"))


async def test_touch_skips_the_database_within_a_minute(db: Database, kb: KnowledgeBase) -> None:
    async with db.transaction() as session:
        session.add(Athlete(id=5, first_name="Ann", language="en", run_days_mask=0, active=True))
    now = [T0]
    services = Services(settings=load_settings(), db=db, kb=kb, clock=lambda: now[0])
    context = SimpleNamespace(application=SimpleNamespace(bot_data={SERVICES_KEY: services}))
    transactions: list[object] = []
    event.listen(db.engine.sync_engine, "begin", lambda connection: transactions.append(1))

    for offset in (0, 10, 50, 61, 90, 125):
        now[0] = T0 + dt.timedelta(seconds=offset)
        await touch(update_from(5), context)  # type: ignore[arg-type]

    assert len(transactions) == 3  # at 0 s, 61 s and 125 s
    async with db.transaction() as session:
        ann = await session.get(Athlete, 5)
    assert ann is not None and ann.last_seen_at == T0 + dt.timedelta(seconds=125)
