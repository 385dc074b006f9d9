"""Test databases: a migrated SQLite file by default, or a fresh PostgreSQL database
per test when TEST_DATABASE_URL names a server (cloned from a migrated template)."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import asyncpg
from sqlalchemy.engine import make_url

from coaching import migrate

T = TypeVar("T")
SERVER_URL = os.environ.get("TEST_DATABASE_URL", "")


def on_postgresql() -> bool:
    return SERVER_URL.startswith("postgresql")


def in_thread(work: Callable[[], T]) -> T:
    """Run blocking work that starts its own event loop (Alembic, asyncio.run) in a thread,
    so it never meets the test's event loop."""
    box: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            box.append(work())
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return box[0]


def run_sync(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion from sync code, even beside a running loop."""
    return in_thread(lambda: asyncio.run(make()))  # type: ignore[arg-type]


def _url_for(name: str) -> str:
    return make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)


async def _admin(sql: str) -> None:
    dsn = make_url(SERVER_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


class PostgresDatabases:
    """Creates each test's database as a copy of one migrated template."""

    def __init__(self) -> None:
        self.template = f"hc_template_{os.getpid()}"
        self._ready = False

    def _ensure_template(self) -> None:
        if self._ready:
            return
        run_sync(lambda: _admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))
        run_sync(lambda: _admin(f'CREATE DATABASE "{self.template}"'))
        in_thread(lambda: migrate.upgrade(_url_for(self.template)))
        self._ready = True

    def create(self) -> str:
        self._ensure_template()
        name = f"hc_{uuid.uuid4().hex[:16]}"
        run_sync(lambda: _admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        return _url_for(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        run_sync(lambda: _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        if self._ready:
            self.drop(_url_for(self.template))


def sqlite_database(directory: Path) -> str:
    url = f"sqlite+aiosqlite:///{directory / 'hipcoach-test.sqlite3'}"
    in_thread(lambda: migrate.upgrade(url))
    return url
