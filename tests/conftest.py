import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from coaching.db import Database
from fakeapi import FakeBotApi
from knowledge import KnowledgeBase, load_knowledge
from tests.databases import PostgresDatabases, on_postgresql, sqlite_database


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "one_database: a long transport-fault scenario whose outcome does not depend on the "
        "database; run on SQLite only, so the PostgreSQL pass stays short",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not on_postgresql():
        return
    skip = pytest.mark.skip(reason="transport faults are run once, on SQLite")
    for item in items:
        if item.get_closest_marker("one_database"):
            item.add_marker(skip)


def _sqlite_connections() -> set[threading.Thread]:
    """aiosqlite's worker threads, one for each open SQLite connection."""
    return {t for t in threading.enumerate() if t.name.endswith("(_connection_worker_thread)")}


@pytest.fixture(autouse=True)
def closes_its_databases() -> Iterator[None]:
    """A test leaves no SQLite connection open: one left to the garbage collector stops
    its thread through the test's event loop, by then closed, and the error lands on
    whichever test runs at the time."""
    before = _sqlite_connections()
    yield
    left = _sqlite_connections() - before
    for thread in left:
        thread.join(timeout=2)  # a connection just closed finishes its thread
    left = {thread for thread in left if thread.is_alive()}
    assert not left, f"{len(left)} SQLite connection(s) left open: dispose the Database"


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    """A fresh fake Bot API over real HTTP on loopback, per test."""
    with FakeBotApi() as server:
        yield server


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresDatabases | None]:
    if not on_postgresql():
        yield None
        return
    databases = PostgresDatabases()
    yield databases
    databases.close()


@pytest.fixture
def database_url(tmp_path: Path, postgres: PostgresDatabases | None) -> Iterator[str]:
    """A migrated, empty database: SQLite, or PostgreSQL when TEST_DATABASE_URL is set."""
    if postgres is None:
        yield sqlite_database(tmp_path)
        return
    url = postgres.create()
    yield url
    postgres.drop(url)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()
