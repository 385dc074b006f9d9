"""One place that knows how to open the database and run a unit of work.

Handlers use `Database.transaction()`: everything inside commits together
before the bot replies, so an acknowledged answer is never lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
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
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str) -> AsyncEngine:
    """An engine with the per-backend settings our guarantees rely on.

    `hide_parameters`: a failed statement's error message would otherwise quote
    its values (first names, typed answers), and errors end up in the logs.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, hide_parameters=True)
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
