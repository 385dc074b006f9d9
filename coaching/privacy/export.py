"""Everything we hold about a person, as JSON-ready data (/export).

The file has the person's athlete profile (or null: a coach need not be an
athlete), every linked table's rows that are theirs (a coach's groups,
invites, group chats, broadcasts and drafts among them), and how many rows of
other people name them (`mentions`: a coach they invited, an invite they
used), counted rather than copied because those rows are someone else's.
Other athletes' rows are never in it, not even the members of the coach's
groups: those belong to the members.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.privacy.held import held
from coaching.privacy.walk import ATHLETE_TABLE, PERSON_MENTIONS, by_name, links, owned, table

EXPORT_FORMAT = "hipcoach-export/2"
"""Version 2: `athlete` may be null (a coach only), and `mentions` was added."""


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [_json_value(v) for v in value]
    return str(value)


def _row(found: Table, values: Mapping[Any, Any]) -> dict[str, Any]:
    return {column.name: _json_value(values[column.name]) for column in found.columns}


async def _mentions(session: AsyncSession, person_id: int) -> dict[str, int]:
    counted: dict[str, int] = {}
    for table_name, column in sorted(PERSON_MENTIONS):
        found = table(table_name)
        count = await session.scalar(
            select(func.count()).select_from(found).where(found.c[column] == person_id)
        )
        if count:
            counted[f"{table_name}.{column}"] = count
    return counted


async def export(
    session: AsyncSession, person_id: int, now: dt.datetime | None = None
) -> dict[str, Any] | None:
    """Everything stored about the person as JSON-ready data; None if we hold nothing."""
    if await held(session, person_id) is None:
        return None
    athlete_table = table(ATHLETE_TABLE)
    athlete = (
        (await session.execute(select(athlete_table).where(athlete_table.c.id == person_id)))
        .mappings()
        .first()
    )
    all_links = links()
    linked = by_name(all_links)
    rows: dict[str, list[dict[str, Any]]] = {}
    for link in all_links:
        order = list(link.table.primary_key.columns) or list(link.table.columns)
        result = await session.execute(
            select(link.table).where(owned(link, linked, person_id)).order_by(*order)
        )
        rows[link.table.name] = [_row(link.table, row) for row in result.mappings()]
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _json_value(now) if now is not None else None,
        "athlete": _row(athlete_table, athlete) if athlete is not None else None,
        "tables": rows,
        "mentions": await _mentions(session, person_id),
    }
