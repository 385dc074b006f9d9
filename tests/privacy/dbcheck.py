"""Schema-driven helpers for privacy tests: fill every table, find orphans and references.

They read `metadata`, so a table added later is filled and checked too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Table, and_, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coaching import privacy
from coaching.tables import metadata

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
Key = tuple[Any, ...]


def _athlete_fk(column: Any) -> bool:
    if (column.table.name, column.name) in privacy.PERSON_KEYS:
        return True
    return any(fk.column.table.name == "athlete" for fk in column.foreign_keys)


def _python_type(column: Any) -> Any:
    kind = getattr(column.type, "impl_instance", column.type)
    try:
        return kind.python_type
    except NotImplementedError:
        return str


def _value(table: Table, column: Any, tag: str, serial: int, base: int) -> Any:
    """A plausible value for a column, carrying `tag` wherever text can."""
    kind = _python_type(column)
    if kind is bool:
        return True
    if kind is int:
        return base + serial
    if kind is float:
        return 1.5
    if kind is dt.datetime:
        return NOW - dt.timedelta(days=serial)
    if kind is dt.date:
        return (NOW - dt.timedelta(days=7 * serial)).date()
    if kind is dt.time:
        return dt.time(7, 30)
    if kind in (dict, list) or column.type.__class__.__name__ == "JSON":
        return {"note": f"{tag}-{table.name}-{column.name}"}
    length = getattr(column.type, "length", None) or 64
    return f"{tag}{serial}-{table.name}.{column.name}"[:length]


async def fill(
    session: AsyncSession, athlete_id: int, tag: str, rows_per_table: int = 1
) -> dict[str, set[Key]]:
    """One athlete with `rows_per_table` rows in every table; primary keys by table."""
    made: dict[str, set[Key]] = {}
    serial = 0
    for table in metadata.sorted_tables:
        count = 1 if table.name == "athlete" else rows_per_table
        for _ in range(count):
            serial += 1
            values: dict[str, Any] = {}
            for column in table.columns:
                if table.name == "athlete" and column.name == "id":
                    values["id"] = athlete_id
                elif _athlete_fk(column):
                    values[column.name] = athlete_id
                elif column.foreign_keys:
                    fk = next(iter(column.foreign_keys))
                    parent = fk.column.table
                    parent_keys = made.get(parent.name)
                    if parent_keys:
                        pk_names = [c.name for c in parent.primary_key.columns]
                        key = sorted(parent_keys)[0]
                        values[column.name] = dict(zip(pk_names, key, strict=True))[fk.column.name]
                    elif not column.nullable:
                        raise AssertionError(f"cannot fill {table.name}.{column.name}")
                elif (
                    column.primary_key
                    and column.autoincrement in (True, "auto")
                    and _python_type(column) is int
                ):
                    continue
                else:
                    values[column.name] = _value(
                        table, column, tag, serial, (athlete_id % 100) * 300
                    )
            pk = list(table.primary_key.columns)
            try:
                async with session.begin_nested():
                    result = await session.execute(insert(table).values(**values).returning(*pk))
                    key = tuple(result.one())
            except IntegrityError:  # one row per athlete here (unique on the athlete)
                if table.name not in made:
                    raise
                continue
            made.setdefault(table.name, set()).add(key)
    return made


async def foreign_key_orphans(session: AsyncSession) -> list[str]:
    """References (non-null foreign keys) that point at no row, in any table."""
    found: list[str] = []
    for table in metadata.sorted_tables:
        for fk in table.foreign_keys:
            child, parent_col = fk.parent, fk.column
            parent = parent_col.table
            missing = await session.scalar(
                select(func.count())
                .select_from(table)
                .where(
                    and_(
                        child.is_not(None),
                        ~select(parent_col).where(parent_col == child).exists(),
                    )
                )
            )
            if missing:
                found.append(f"{table.name}.{child.name} -> {parent.name}: {missing}")
    return found


MENTIONS = (("coach", "invited_by"), ("coach_invite", "used_by"), ("group_chat", "linked_by"))
"""Columns naming a person (by Telegram id, no foreign key) in someone else's row."""


async def references_to(session: AsyncSession, athlete_id: int) -> list[str]:
    """Rows in any table whose athlete foreign key, or a person column, names `athlete_id`."""
    found: list[str] = []
    athlete = metadata.tables["athlete"]
    if await session.scalar(select(func.count()).where(athlete.c.id == athlete_id)):
        found.append("athlete row")
    for table_name, column in [*privacy.athlete_columns(), *MENTIONS]:
        table = metadata.tables[table_name]
        count = await session.scalar(
            select(func.count()).select_from(table).where(table.c[column] == athlete_id)
        )
        if count:
            found.append(f"{table_name}.{column}: {count}")
    return found


async def row_counts(session: AsyncSession) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in metadata.sorted_tables:
        counts[table.name] = await session.scalar(select(func.count()).select_from(table)) or 0
    return counts
