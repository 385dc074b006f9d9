from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from coaching import migrate
from coaching.db import Database
from knowledge import KnowledgeBase, load_knowledge


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty SQLite database."""
    import asyncio

    url = f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
    await asyncio.to_thread(migrate.upgrade, url)
    database = Database(url)
    yield database
    await database.dispose()
