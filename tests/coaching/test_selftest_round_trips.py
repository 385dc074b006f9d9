"""How many statements a self-test tap sends to the database.

Each statement is a trip to aiosqlite's thread (or to PostgreSQL) while SQLite's
one write lock is held, and the tap's transaction is most of the bot's time per
tap: a change that adds a trip shows here as a count, whatever the machine's speed.
The tap is what `bot.handlers.selftest.answer_button` does in its transaction
besides loading the athlete: take the answer, then ask the next step on the
tapped message (or, after the last step, end the question).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, func, select

from coaching import pending, selftest
from coaching.db import Database
from coaching.models import Athlete, SelftestResult, SelftestSession
from coaching.pending import Kind
from coaching.selftest import Action, Status
from knowledge import KnowledgeBase

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
CHAT = 7001
MESSAGE = 50

# Besides BEGIN and COMMIT. Raise these only with a reason worth a trip per tap.
STEP_STATEMENTS = 2  # the answer's UPDATE … RETURNING, the question's UPDATE (kept as it is)
LAST_STEP_STATEMENTS = (
    3  # the answer's UPDATE … RETURNING, the result's INSERT, the question's DELETE
)


@contextmanager
def counted(db: Database) -> Iterator[list[str]]:
    """The statements sent while inside, BEGIN and COMMIT aside."""
    sent: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE is sent as one
            sent.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", note)


async def started(db: Database, kb: KnowledgeBase) -> tuple[int, int]:
    """An athlete with consent, a session at its first step, and its question on a message."""
    async with db.transaction() as session:
        athlete = Athlete(id=CHAT, first_name="Ann", consent_at=NOW)
        session.add(athlete)
        await session.flush()
        sel = await selftest.start(session, athlete, kb, NOW)
        await pending.ask(session, CHAT, Kind.SELFTEST, NOW, ref_id=sel.id, message_id=MESSAGE)
        return athlete.id, sel.id


async def tap(
    db: Database, kb: KnowledgeBase, athlete_id: int, session_id: int, step: int, choice: str
) -> tuple[selftest.Answered, list[str]]:
    with counted(db) as sent:
        async with db.transaction() as session:
            answered = await selftest.take_answer(
                session, kb, athlete_id, session_id, step, choice, NOW
            )
            if answered.result is not None:
                await pending.end(session, CHAT, kind=Kind.SELFTEST)
            elif not answered.over:
                await pending.ask(
                    session,
                    CHAT,
                    Kind.SELFTEST,
                    NOW,
                    ref_id=answered.session.id,
                    message_id=MESSAGE,
                )
    return answered, sent


async def test_a_step_and_the_last_step_each_take_a_few_statements(
    db: Database, kb: KnowledgeBase
) -> None:
    athlete_id, session_id = await started(db, kb)
    steps = kb.selftest.steps
    for index, step in enumerate(steps):
        answered, sent = await tap(db, kb, athlete_id, session_id, index, step.options[0].id)
        last = index == len(steps) - 1
        assert (answered.result is not None) == last
        limit = LAST_STEP_STATEMENTS if last else STEP_STATEMENTS
        assert len(sent) <= limit, sent
    async with db.transaction() as session:
        sel = await session.get(SelftestSession, session_id)
        stored = await session.scalar(select(func.count()).select_from(SelftestResult))
        question = await pending.current(session, CHAT)
    assert sel is not None and sel.status == Status.COMPLETED and sel.step_index == len(steps)
    assert stored == 1 and question is None


async def test_back_and_a_stale_tap_take_no_more(db: Database, kb: KnowledgeBase) -> None:
    athlete_id, session_id = await started(db, kb)
    first = kb.selftest.steps[0]
    await tap(db, kb, athlete_id, session_id, 0, first.options[0].id)
    _, sent = await tap(db, kb, athlete_id, session_id, 1, Action.BACK)
    assert len(sent) <= STEP_STATEMENTS, sent
    with counted(db) as stale:
        try:
            async with db.transaction() as session:
                await selftest.take_answer(
                    session, kb, athlete_id, session_id, 1, first.options[0].id, NOW
                )
        except selftest.StaleStep:
            pass
        else:
            raise AssertionError("a tap on a step no longer current was taken")
    assert len(stale) <= 1, stale


async def test_a_session_already_read_in_the_transaction_shows_the_answer(
    db: Database, kb: KnowledgeBase
) -> None:
    """Typed answers read the session first: that object must not keep the old step."""
    athlete_id, session_id = await started(db, kb)
    first = kb.selftest.steps[0]
    async with db.transaction() as session:
        read = await selftest.active_session(session, athlete_id)
        assert read is not None and read.step_index == 0
        answered = await selftest.take_answer(
            session, kb, athlete_id, session_id, 0, first.options[0].id, NOW
        )
        assert answered.session is read
        assert read.step_index == 1 and read.answers == {first.id: first.options[0].id}
