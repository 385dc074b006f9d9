"""Schema migrations shipped inside the package, runnable without an alembic.ini.

`hipcoach migrate` calls `upgrade`. `hipcoach run` upgrades the embedded SQLite
default itself and, on any other database, asks `is_up_to_date` and refuses to
start on a schema that is behind (see `bot.runner.ensure_schema`).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from coaching.db import create_engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revisions(url: str) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(url)).get_heads())


async def current_revisions(url: str) -> set[str]:
    def _read(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_read)
    finally:
        await engine.dispose()


async def is_up_to_date(url: str) -> bool:
    return await current_revisions(url) == head_revisions(url)


def upgrade(url: str, revision: str = "heads") -> None:
    """Apply migrations. Runs its own event loop: call it from a thread, not a coroutine."""
    command.upgrade(alembic_config(url), revision)
