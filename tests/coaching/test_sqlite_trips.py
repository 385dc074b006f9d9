"""SQLite's transactions: one trip to aiosqlite's thread a statement, and the same guarantees.

Every trip to the connection's thread waits for the event loop's turn to come back,
and on SQLite all of a transaction's trips fall inside the one write lock
(`Database.transaction`). So `coaching.db` sends a statement with its rows and its
cursor's close in one trip, the BEGIN with the first statement, and nothing for the
pool's reset after a commit. These tests count the trips and check that the write
lock, the rollback and the rows are what they were.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import make_url

from coaching import db as coaching_db
from coaching.db import Database
from coaching.models import Athlete
from tests.databases import sqlite_database


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(sqlite_database(tmp_path))
    yield database
    await database.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """What each trip to a connection's thread ran, in order."""
    ran: list[str] = []
    real: Any = coaching_db._OneTripConnection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        ran.append(getattr(fn, "func", fn).__name__)  # what runs in the thread
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(coaching_db._OneTripConnection, "_execute", counted)
    yield ran


def path_of(database: Database) -> str:
    name = make_url(database.url).database
    assert name is not None
    return name


async def test_a_statement_is_one_trip_and_the_begin_goes_with_the_first(
    sqlite_db: Database, trips: list[str]
) -> None:
    async with sqlite_db.transaction() as session:
        await session.get(Athlete, 1)  # a connection of the pool is open from here on
    trips.clear()
    async with sqlite_db.transaction() as session:
        session.add(Athlete(id=1, first_name="Ann"))
        await session.flush()
        await session.execute(update(Athlete).where(Athlete.id == 1).values(first_name="Bo"))
        assert await session.scalar(select(Athlete.first_name).where(Athlete.id == 1)) == "Bo"
    # Three statements (the first carrying the BEGIN), the COMMIT, and no rollback
    # for the pool's reset of a connection with no transaction open.
    assert trips == ["_begun", "_run_statement", "_run_statement", "commit"]


async def test_a_transaction_that_sends_nothing_makes_no_trip(
    sqlite_db: Database, trips: list[str]
) -> None:
    async with sqlite_db.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        await connection.commit()
        trips.clear()
        async with connection.begin():
            pass
    assert trips == []


async def test_the_write_lock_is_held_from_the_first_statement(sqlite_db: Database) -> None:
    other = sqlite3.connect(path_of(sqlite_db), timeout=0, isolation_level=None)
    try:
        async with sqlite_db.transaction() as session:
            await session.get(Athlete, 1)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again after the commit
        other.execute("ROLLBACK")
    finally:
        other.close()


async def test_a_failed_transaction_is_rolled_back(sqlite_db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with sqlite_db.transaction() as session:
            session.add(Athlete(id=2, first_name="Cy"))
            await session.flush()
            raise RuntimeError("the handler failed")
    async with sqlite_db.transaction() as session:
        assert await session.get(Athlete, 2) is None
        session.add(Athlete(id=2, first_name="Cy"))
    async with sqlite_db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Athlete)) == 1


async def test_rows_counts_and_streams_read_as_before(sqlite_db: Database) -> None:
    async with sqlite_db.transaction() as session:
        session.add_all([Athlete(id=n, first_name=f"A{n}") for n in range(1, 6)])
    async with sqlite_db.transaction() as session:
        changed = await session.execute(
            update(Athlete).where(Athlete.id > 2).values(first_name="later")
        )
        assert changed.rowcount == 3  # type: ignore[attr-defined]
        ids = (await session.scalars(select(Athlete.id).order_by(Athlete.id))).all()
        assert ids == [1, 2, 3, 4, 5]
        streamed = await session.stream_scalars(
            select(Athlete.first_name).order_by(Athlete.id).execution_options(yield_per=2)
        )
        assert [name async for name in streamed] == ["A1", "A2", "later", "later", "later"]
        await session.execute(text("CREATE TEMP TABLE note (id INTEGER PRIMARY KEY, body TEXT)"))
        inserted = await session.execute(text("INSERT INTO note (id, body) VALUES (9, 'x')"))
        assert inserted.lastrowid == 9  # type: ignore[attr-defined]
