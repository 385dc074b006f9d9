"""One place that knows how to open the database and run a unit of work.

Handlers use `Database.transaction()`: everything inside commits together
before the bot replies, so an acknowledged answer is never lost.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

import coaching.tables  # noqa: F401 - every table is mapped before the first session opens


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Manage transactions ourselves so each one can start with BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # Take the write lock up front: a deferred transaction that reads and then
    # writes can fail with "database is locked" instead of waiting its turn.
    driver = connection.connection.driver_connection
    if isinstance(driver, _OneTripConnection):
        driver.begin_with_next_trip("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


Row = tuple[Any, ...]
Description = tuple[tuple[Any, ...], ...] | None


def _run_statement(
    connection: sqlite3.Connection, sql: str, parameters: Any
) -> tuple[Description, int, int | None, list[Row]]:
    """A statement, its rows and its cursor's close, in aiosqlite's thread in one go."""
    cursor = connection.cursor()
    try:
        cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


def _run_many(
    connection: sqlite3.Connection, sql: str, parameters: Iterable[Any]
) -> tuple[int, int | None]:
    cursor = connection.cursor()
    try:
        cursor.executemany(sql, parameters)
        return cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class _OneTripCursor:
    """The aiosqlite cursor SQLAlchemy's adapter awaits, making one trip a statement.

    The adapter awaits the cursor, the statement, its rows and the cursor's close
    one by one: four trips to the connection's thread for each statement, and each
    trip back waits for the busy event loop's turn. On SQLite every one of them
    falls inside the write lock (`Database.transaction`), so the lock was held
    several times longer than the statements take. Here the statement runs with
    its rows fetched and its cursor closed in one trip; the rows are then read
    from memory (statements here read small results).
    """

    arraysize = 1

    def __init__(self, connection: _OneTripConnection) -> None:
        self._connection = connection
        self._rows: deque[Row] = deque()
        self.description: Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def execute(self, sql: str, parameters: Any = None) -> _OneTripCursor:
        run = partial(_run_statement, self._connection.sqlite, sql, parameters or ())
        self.description, self.rowcount, self.lastrowid, rows = await self._connection.trip(run)
        self._rows = deque(rows)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> _OneTripCursor:
        run = partial(_run_many, self._connection.sqlite, sql, parameters)
        self.description, self._rows = None, deque()
        self.rowcount, self.lastrowid = await self._connection.trip(run)
        return self

    async def fetchone(self) -> Row | None:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Row]:
        count = min(self.arraysize if size is None else size, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> Sequence[Row]:
        rows, self._rows = list(self._rows), deque()
        return rows

    async def close(self) -> None:
        self._rows.clear()


def _begun(begin: str, connection: sqlite3.Connection, run: Callable[[], Any]) -> Any:
    connection.execute(begin)
    return run()


class _OneTripConnection(aiosqlite.Connection):
    """aiosqlite's connection with one-trip cursors, a BEGIN that travels with the
    transaction's first statement, and no trip to roll back nothing."""

    _begin: str | None = None

    @property
    def sqlite(self) -> sqlite3.Connection:
        return self._conn

    def begin_with_next_trip(self, begin: str) -> None:
        """Open the transaction in the same trip as its first statement: one trip less
        per transaction (one wait for the loop's turn less, inside the write lock)."""
        self._begin = begin

    async def trip(self, run: Callable[[], Any]) -> Any:
        """Run `run` in the connection's thread (after the BEGIN still to send, if any)."""
        begin, self._begin = self._begin, None
        if begin is not None:
            run = partial(_begun, begin, self._conn, run)
        return await self._execute(run)  # type: ignore[no-untyped-call]

    async def cursor(self) -> _OneTripCursor:  # type: ignore[override]
        return _OneTripCursor(self)

    async def commit(self) -> None:
        if self._begin is not None:  # nothing was sent since BEGIN: nothing to commit
            self._begin = None
            return
        await super().commit()

    async def rollback(self) -> None:
        # The pool resets every connection it gets back with a rollback, after a
        # commit too; with no transaction open there is nothing to send the thread.
        self._begin = None
        if self._connection is not None and not self._conn.in_transaction:
            return
        await super().rollback()


def _one_trip_connector(url: URL) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    """`create_async_engine`'s `async_creator` for SQLite: the database the URL names,
    opened with the arguments SQLAlchemy's aiosqlite dialect would pass, on a
    `_OneTripConnection`."""
    args, kwargs = SQLiteDialect_aiosqlite().create_connect_args(url)

    async def connect() -> aiosqlite.Connection:
        connection = _OneTripConnection(partial(sqlite3.connect, *args, **kwargs), 64)
        connection._thread.daemon = True  # as SQLAlchemy's own connect does
        return await connection

    return connect


def create_engine(url: str) -> AsyncEngine:
    """An engine with the per-backend settings our guarantees rely on.

    `hide_parameters`: a failed statement's error message would otherwise quote
    its values (first names, typed answers), and errors end up in the logs.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url, hide_parameters=True, async_creator=_one_trip_connector(parsed)
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_async_engine(url, pool_pre_ping=True, hide_parameters=True)


class NestedTransaction(RuntimeError):
    """A task opened a transaction while holding one: on SQLite that would wait for itself."""


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time and its busy handler retries by polling, so a
        # job that commits back to back can starve everyone else into "database is
        # locked". Taking turns here instead is first come, first served.
        self._turns: asyncio.Lock | None = asyncio.Lock() if self.dialect == "sqlite" else None
        self._holder: asyncio.Task[object] | None = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        if self._turns is None:
            async with self._sessions() as session, session.begin():
                yield session
            return
        task = asyncio.current_task()
        if task is not None and task is self._holder:
            raise NestedTransaction("a transaction is already open in this task")
        async with self._turns:
            self._holder = task
            try:
                async with self._sessions() as session, session.begin():
                    yield session
            finally:
                self._holder = None

    async def dispose(self) -> None:
        await self.engine.dispose()
