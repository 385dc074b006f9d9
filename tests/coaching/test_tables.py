"""The table registry: complete, importable piece by piece, walked by privacy, migrated."""

from __future__ import annotations

import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from coaching import privacy, tables
from coaching.base import Base
from coaching.db import create_engine

TABLE_MODULES = [module.__name__ for module in tables.TABLE_MODULES]


def _fresh(code: str) -> str:
    """Run `code` in a new interpreter (nothing imported yet); its standard output."""
    result = subprocess.run(  # noqa: S603 - this interpreter, code written here
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("module", TABLE_MODULES)
def test_a_table_module_imports_and_maps_on_its_own(module: str) -> None:
    shown = _fresh(
        f"import {module} as m\n"
        "from sqlalchemy.orm import configure_mappers\n"
        "configure_mappers()\n"
        "from coaching.base import Base\n"
        "print(sorted({c.class_.__tablename__ for c in Base.registry.mappers"
        " if c.class_.__module__ == m.__name__}))\n"
    )
    assert shown.strip() not in ("", "[]"), f"{module} defines no table"


def test_opening_the_database_has_every_table_mapped() -> None:
    """`coaching.db` loads the registry: a session never meets a half-known schema."""
    shown = _fresh(
        "import coaching.db\nfrom coaching.base import Base\nprint(len(Base.metadata.tables))"
    )
    assert int(shown) == len(tables.metadata.tables)


def test_every_mapped_table_is_in_a_registered_module() -> None:
    """A table module left out of the registry would be missed by Alembic and privacy."""
    modules = {mapper.class_.__module__ for mapper in Base.registry.mappers}
    assert modules <= set(TABLE_MODULES), modules - set(TABLE_MODULES)
    assert tables.metadata is Base.metadata


def test_every_table_is_reached_by_the_privacy_walk_or_declared_not_personal() -> None:
    reached = {link.table.name for link in privacy.links()} | {"athlete"}
    unreached = set(tables.metadata.tables) - reached
    assert unreached == privacy.NOT_PERSONAL, (
        "a table the walk does not reach escapes export and erasure: link it to a person, "
        "or list it in privacy.NOT_PERSONAL with the reason"
    )


def test_the_privacy_walk_names_only_real_columns() -> None:
    named = {*privacy.PERSON_KEYS, *privacy.PERSON_MENTIONS, *privacy.SHARING_CONSENT}
    for table_name, column in named:
        assert column in tables.metadata.tables[table_name].c, f"{table_name}.{column}"
    for table_name in privacy.HEALTH_TABLES | privacy.NOT_PERSONAL:
        assert table_name in tables.metadata.tables, table_name


async def test_migrations_build_exactly_the_models(database_url: str) -> None:
    """Autogenerate against a freshly migrated database finds nothing to do."""

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, tables.metadata))

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()
