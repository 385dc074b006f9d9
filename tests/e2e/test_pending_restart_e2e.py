"""A pending question survives kill -9: after a restart /cancel still ends it, and typed
text still answers it (`hipcoach run` as a real process against the fake Bot API)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from coaching import pending
from coaching.db import Database
from coaching.models import Athlete
from fakeapi import FakeBotApi, FakeUser
from knowledge import KnowledgeBase
from tests.databases import PostgresDatabases, run_sync
from tests.e2e.harness import BotProcess, has_button
from tests.waits import eventually_sync


@pytest.fixture
def bot(
    api: FakeBotApi, tmp_path: Path, postgres: PostgresDatabases | None
) -> Iterator[BotProcess]:
    """The bot on its embedded SQLite, or on PostgreSQL (migrated first) in that run."""
    url = None if postgres is None else postgres.create()
    process = BotProcess(api, tmp_path / "data", database_url=url)
    yield process
    if process.process is not None and process.process.poll() is None:
        process.kill()
    if postgres is not None and url is not None:
        postgres.drop(url)


def stored(database_url: str, athlete_id: int) -> tuple[Athlete | None, str | None]:
    """The athlete, and the kind of question their chat waits on once its message is noted."""

    async def load() -> tuple[Athlete | None, str | None]:
        db = Database(database_url)
        try:
            async with db.transaction() as session:
                question = await pending.current(session, athlete_id)
                athlete = await session.get(Athlete, athlete_id)
        finally:
            await db.dispose()
        if question is None:
            return athlete, None
        return athlete, question.kind if question.message_id is not None else "unnoted"

    return run_sync(load)


def onboard(user: FakeUser, kb: KnowledgeBase) -> None:
    user.send_command("/start")
    for label in (kb.ui_text("consent_yes", "en"), "Europe/Helsinki", "Mon", "Done", "07:00", "No"):
        shown = user.wait_message(predicate=has_button(label))
        user.wait_callback_answered(user.tap(label, in_message=shown))
    user.wait_message(contains="/selftest")


def test_a_pending_question_survives_a_restart(
    api: FakeBotApi, bot: BotProcess, kb: KnowledgeBase
) -> None:
    bot.start()
    ann = FakeUser(api, 7101, first_name="Ann")
    onboard(ann, kb)

    # A typed run time is asked, then the bot dies before the answer.
    ann.send_command("/settings")
    menu = ann.wait_message(predicate=has_button("Run time"))
    ann.wait_callback_answered(ann.tap("Run time", in_message=menu))
    ann.wait_message(predicate=has_button("Type it"))
    ann.wait_callback_answered(ann.tap("Type it", in_message=menu))
    prompt = ann.wait_message(contains="Type the time as HH:MM")
    eventually_sync(
        lambda: stored(bot.database_url, 7101)[1] == "settings", "the question to be stored"
    )
    bot.kill()
    bot.start()
    ann.send_text("7.45pm")  # answered after the restart
    ann.wait_message(contains="Saved.")
    athlete, waiting = stored(bot.database_url, 7101)
    assert athlete is not None and athlete.run_time == dt.time(19, 45) and waiting is None
    eventually_sync(
        lambda: ann.message(prompt.message_id).buttons == [], "the answered prompt to lose Cancel"
    )

    # Asked again, killed again: /cancel after the restart ends exactly that question.
    ann.send_command("/settings")
    menu = ann.wait_message(predicate=has_button("Time zone"))
    ann.wait_callback_answered(ann.tap("Time zone", in_message=menu))
    ann.wait_message(predicate=has_button("Type it"))
    ann.wait_callback_answered(ann.tap("Type it", in_message=menu))
    prompt = ann.wait_message(contains="Type your time zone")
    eventually_sync(
        lambda: stored(bot.database_url, 7101)[1] == "settings", "the question to be stored"
    )
    bot.kill()
    bot.start()
    ann.send_command("/cancel")
    ann.wait_message(contains="Cancelled: Time zone stays as it was.")
    eventually_sync(lambda: ann.message(prompt.message_id).buttons == [], "Cancel to go")
    ann.send_text("Tukholma")
    ann.wait_message(contains=kb.ui_text("stray_text", "en")[:30])
    athlete, waiting = stored(bot.database_url, 7101)
    assert athlete is not None and athlete.timezone == "Europe/Helsinki" and waiting is None
    assert bot.terminate() == 0
