"""A failed statement is logged with its SQL, never with the values people typed.

The values of a failing insert are first names, typed answers and notes; the
statement alone is what an operator needs to see what broke.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.logging_setup import setup_logging
from coaching.db import Database
from tests.databases import PostgresDatabases

PERSONAL = "Pirjo Personal-Name"


@pytest.fixture
def url(tmp_path: Path, postgres: PostgresDatabases | None) -> Iterator[str]:
    """A database of our own (no migrations needed): SQLite, or PostgreSQL when configured."""
    if postgres is None:
        yield f"sqlite+aiosqlite:///{tmp_path / 'errors.sqlite3'}"
        return
    created = postgres.create()
    yield created
    postgres.drop(created)


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, sys.excepthook, threading.excepthook)
    stream = io.StringIO()
    setup_logging("INFO", ["123456:" + "A" * 35], stream=stream)
    yield stream
    root.handlers[:], level, sys.excepthook, threading.excepthook = saved
    root.setLevel(level)
    logging.captureWarnings(False)


async def test_a_failed_insert_logs_the_statement_not_the_values(
    url: str, log_output: io.StringIO
) -> None:
    db = Database(url)
    insert = text("INSERT INTO probe_note (id, body) VALUES (:id, :body)")
    try:
        async with db.transaction() as session:
            await session.execute(
                text("CREATE TABLE probe_note (id INTEGER PRIMARY KEY, body VARCHAR(64) UNIQUE)")
            )
            await session.execute(insert, {"id": 1, "body": PERSONAL})
        with pytest.raises(IntegrityError) as duplicate:
            async with db.transaction() as session:
                await session.execute(insert, {"id": 2, "body": PERSONAL})
        failures: list[DBAPIError] = [duplicate.value]
        if db.dialect == "postgresql":  # the driver itself quotes a value of the wrong type
            with pytest.raises(DBAPIError) as wrong_type:
                async with db.transaction() as session:
                    await session.execute(insert, {"id": PERSONAL, "body": "x"})
            failures.append(wrong_type.value)
    finally:
        await db.dispose()

    assert "hide_parameters=True" in str(duplicate.value)
    log = logging.getLogger("bot.handlers.general")
    for failure in failures:  # as the error handler logs a failed update
        log.error("update failed: %r", failure, exc_info=failure)
    output = log_output.getvalue()
    assert output.count("update failed") == len(failures)
    assert "INSERT INTO probe_note" in output
    assert PERSONAL not in output and "Pirjo" not in output
