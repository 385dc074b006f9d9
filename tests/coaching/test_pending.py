"""One pending question per chat: asking replaces, ending is exact, a restart keeps it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from coaching import pending
from coaching.db import Database
from coaching.pending import Kind, PendingQuestion

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
ANN, BO = 7001, 7002


async def test_a_new_question_replaces_the_old_one_and_names_its_message(db: Database) -> None:
    async with db.transaction() as session:
        first = await pending.ask(session, ANN, Kind.SETTINGS, NOW, step="tz")
        assert first.replaced_message_id is None
        await pending.note_message(session, first.question.id, 41)
    async with db.transaction() as session:
        second = await pending.ask(session, ANN, Kind.GROUP_NAME, NOW)
        assert second.replaced_message_id == 41
        assert second.question.id != first.question.id
        found = await pending.current(session, ANN)
    assert found is not None and found.kind == Kind.GROUP_NAME


async def test_a_question_asked_on_the_same_message_keeps_its_buttons(db: Database) -> None:
    async with db.transaction() as session:
        await pending.ask(session, ANN, Kind.SELFTEST, NOW, ref_id=3, message_id=50)
        again = await pending.ask(session, ANN, Kind.SELFTEST, NOW, ref_id=3, message_id=50)
    assert again.replaced_message_id is None


async def test_the_same_question_asked_again_on_its_message_is_kept_id_and_all(
    db: Database,
) -> None:
    later = NOW + dt.timedelta(seconds=5)
    async with db.transaction() as session:
        first = await pending.ask(session, ANN, Kind.SELFTEST, NOW, ref_id=3, message_id=50)
    async with db.transaction() as session:
        again = await pending.ask(session, ANN, Kind.SELFTEST, later, ref_id=3, message_id=50)
        found = await pending.current(session, ANN)
    assert again.question.id == first.question.id
    assert found is not None
    assert (found.id, found.ref_id, found.message_id, found.asked_at) == (
        first.question.id,
        3,
        50,
        later,
    )


async def test_another_question_on_the_same_message_gets_a_new_id(db: Database) -> None:
    """Another session, step or kind is another question, even on the tapped message."""
    async with db.transaction() as session:
        first = await pending.ask(session, ANN, Kind.SELFTEST, NOW, ref_id=3, message_id=50)
        other_session = await pending.ask(session, ANN, Kind.SELFTEST, NOW, ref_id=4, message_id=50)
        other_kind = await pending.ask(session, ANN, Kind.SETTINGS, NOW, message_id=50)
        other_step = await pending.ask(session, ANN, Kind.SETTINGS, NOW, step="tz", message_id=50)
        elsewhere = await pending.ask(session, ANN, Kind.SETTINGS, NOW, step="tz", message_id=51)
        found = await pending.current(session, ANN)
    ids = [a.question.id for a in (first, other_session, other_kind, other_step, elsewhere)]
    assert len(set(ids)) == len(ids)
    assert elsewhere.replaced_message_id == 50
    assert found is not None and (found.id, found.message_id) == (elsewhere.question.id, 51)


async def test_ending_is_exact_and_other_chats_are_untouched(db: Database) -> None:
    async with db.transaction() as session:
        asked = await pending.ask(session, ANN, Kind.WITHDRAWAL, NOW, step="settings")
        await pending.ask(session, BO, Kind.SETTINGS, NOW, step="run_time")
        assert await pending.end(session, ANN, kind=Kind.SETTINGS) is None
        assert await pending.end(session, ANN, question_id=asked.question.id + 1) is None
        ended = await pending.end(session, ANN, question_id=asked.question.id)
        assert ended is not None and ended.step == "settings"
        assert await pending.current(session, ANN) is None
        assert await pending.end(session, ANN) is None
        left = await pending.current(session, BO)
    assert left is not None and left.step == "run_time"


async def test_the_question_outlives_the_process(database_url: str) -> None:
    """Stored, not in memory: a new connection (as after a restart) finds it."""
    first = Database(database_url)
    async with first.transaction() as session:
        await pending.ask(session, ANN, Kind.BROADCAST, NOW, ref_id=9)
    await first.dispose()
    second = Database(database_url)
    async with second.transaction() as session:
        found = await pending.current(session, ANN)
    await second.dispose()
    assert found is not None
    assert (found.question_kind, found.ref_id, found.asked_at) == (Kind.BROADCAST, 9, NOW)


async def test_an_unknown_kind_reads_as_none(db: Database) -> None:
    async with db.transaction() as session:
        await pending.ask(session, ANN, Kind.SETTINGS, NOW)
        # As a newer version of the bot would have stored it.
        await session.execute(update(PendingQuestion).values(kind="from_the_future"))
        found = await pending.current(session, ANN)
    assert found is not None and found.question_kind is None


async def test_an_asked_question_is_the_sessions_own(db: Database) -> None:
    """A caller may change the question it asked, as any loaded object, and it is stored."""
    async with db.transaction() as session:
        asked = await pending.ask(session, ANN, Kind.SELFTEST, NOW, ref_id=3, message_id=50)
        asked.question.step = "first"
    async with db.transaction() as session:
        kept = await pending.ask(
            session, ANN, Kind.SELFTEST, NOW, step="first", ref_id=3, message_id=50
        )
        kept.question.step = "second"
    async with db.transaction() as session:
        found = await pending.current(session, ANN)
    assert kept.question.id == asked.question.id
    assert found is not None and found.step == "second"
