"""What we hold about an athlete, found from the schema itself: export, erase, withdraw, purge.

Nothing here lists tables by hand for export and erasure. Every table with a
foreign key to ``athlete.id`` holds the athlete's rows; a table with no such
key but a foreign key into those rows (say, the answers to one delivery) holds
them too, through the link. A table added next year is therefore exported and
erased without anyone remembering to touch this module::

    async with db.transaction() as session:
        data = await export(session, athlete_id)        # JSON-ready dict
        await erase(session, athlete_id)                # the athlete and all linked rows
        await withdraw_consent(session, athlete_id, now)  # health data only
        await purge_inactive(session, now, months=24)   # the retention rule

Only *withdrawing consent* and *retention* need to know which tables are health
data (``HEALTH_TABLES``), because they keep the account so reminders go on.
All SQL is built with SQLAlchemy expressions: values travel as bound parameters.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    delete,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.base import Base
from coaching.models import Athlete

ATHLETE_TABLE = "athlete"
EXPORT_FORMAT = "hipcoach-export/1"

HEALTH_TABLES = frozenset(
    {"selftest_session", "selftest_result", "checkin", "cadence_run", "warmup_ack"}
)
"""Tables whose rows describe the athlete's body or training: erased on withdrawal/retention."""

PERSON_KEYS = frozenset({("coach", "user_id")})
"""(table, column) holding the same person's Telegram id as `athlete.id` without a foreign
key (a coach need not be an athlete): treated exactly like a foreign key to the athlete."""

PERSON_MENTIONS = frozenset(
    {("coach", "invited_by"), ("coach_invite", "used_by"), ("group_chat", "linked_by")}
)
"""(table, column) naming a person in a row that belongs to someone else: the coach who
invited another coach, who used another coach's invite, who linked a group chat to a
group. The row stays with its owner; erasing the person sets the column to NULL.
(A foreign key with ON DELETE SET NULL would do the same, but adding one to `coach`
on SQLite means rebuilding a table others reference with ON DELETE CASCADE.)"""

SHARING_CONSENT_COLUMNS = frozenset(
    {"share_consent_at", "sharing_consent_at", "shares_results", "share_results", "consent_at"}
)
"""Columns, on tables linked to the athlete other than `athlete`, that record agreement to
share results with a coach: cleared (NULL / false) when consent is withdrawn, and where
the column cannot be empty (membership only exists with consent) the row is deleted."""


# --------------------------------------------------------------------------- the schema walk


@dataclass(frozen=True)
class Link:
    """How the rows of one table belong to an athlete."""

    table: Table
    athlete_columns: tuple[str, ...]
    """Columns holding the athlete's id (foreign keys to athlete.id, or `PERSON_KEYS`)."""
    parents: tuple[tuple[str, Table, str], ...]
    """(column, parent table, parent column) for foreign keys into other linked tables."""


def _tables(metadata: Any = None) -> list[Table]:
    return list((metadata or Base.metadata).sorted_tables)


def links(metadata: Any = None) -> list[Link]:
    """Every table that holds athlete data, parents before children."""
    tables = _tables(metadata)
    linked: dict[str, Link] = {}
    for table in tables:  # sorted: a parent is always seen before its children
        if table.name == ATHLETE_TABLE:
            continue
        athlete_columns = [c.name for c in table.columns if (table.name, c.name) in PERSON_KEYS]
        parents: list[tuple[str, Table, str]] = []
        for fk in table.foreign_keys:
            target = fk.column.table
            if target.name == ATHLETE_TABLE and fk.column.name == "id":
                athlete_columns.append(fk.parent.name)
            elif target.name in linked and target is not table:
                parents.append((fk.parent.name, target, fk.column.name))
        if athlete_columns or parents:
            linked[table.name] = Link(table, tuple(sorted(athlete_columns)), tuple(parents))
    return list(linked.values())


def _owned(link: Link, by_name: Mapping[str, Link], athlete_id: int) -> ColumnElement[bool]:
    """Rows of `link.table` that belong to the athlete.

    A row with an athlete column belongs to whoever that column names; only rows
    of tables without one belong through their parents (a child of someone
    else's row is not this athlete's data, even if it sits under theirs).
    """
    table = link.table
    if link.athlete_columns:
        return or_(*(table.c[name] == athlete_id for name in link.athlete_columns))
    return or_(*(_through(link, by_name, athlete_id, owned_only=True)))


def _doomed(link: Link, by_name: Mapping[str, Link], athlete_id: int) -> ColumnElement[bool]:
    """Rows of `link.table` that cannot outlive the athlete: theirs, or hanging off theirs."""
    table = link.table
    conditions = [table.c[name] == athlete_id for name in link.athlete_columns]
    conditions += _through(link, by_name, athlete_id, owned_only=False)
    return or_(*conditions) if conditions else false()


def _through(
    link: Link, by_name: Mapping[str, Link], athlete_id: int, *, owned_only: bool
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for column, parent, parent_column in link.parents:
        parent_link = by_name[parent.name]
        if not owned_only and _set_null(link.table, column):
            continue  # the database clears this reference; the row itself survives
        chosen = (
            _owned(parent_link, by_name, athlete_id)
            if owned_only
            else _doomed(parent_link, by_name, athlete_id)
        )
        conditions.append(link.table.c[column].in_(select(parent.c[parent_column]).where(chosen)))
    return conditions


def _set_null(table: Table, column: str) -> bool:
    for fk in table.c[column].foreign_keys:
        if (fk.ondelete or "").upper() == "SET NULL":
            return True
    return False


def athlete_columns(metadata: Any = None) -> list[tuple[str, str]]:
    """(table, column) for every column that holds an athlete id by foreign key."""
    return [
        (link.table.name, column) for link in links(metadata) for column in link.athlete_columns
    ]


# --------------------------------------------------------------------------- export


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [_json_value(v) for v in value]
    return str(value)


def _row(table: Table, values: Mapping[Any, Any]) -> dict[str, Any]:
    return {column.name: _json_value(values[column.name]) for column in table.columns}


async def export(
    session: AsyncSession, athlete_id: int, now: dt.datetime | None = None
) -> dict[str, Any] | None:
    """Everything stored about the athlete as JSON-ready data; None if we hold nothing."""
    athlete_table = Base.metadata.tables[ATHLETE_TABLE]
    found = (
        (await session.execute(select(athlete_table).where(athlete_table.c.id == athlete_id)))
        .mappings()
        .first()
    )
    if found is None:
        return None
    all_links = links()
    by_name = {link.table.name: link for link in all_links}
    tables: dict[str, list[dict[str, Any]]] = {}
    for link in all_links:
        table = link.table
        order = list(table.primary_key.columns) or list(table.columns)
        result = await session.execute(
            select(table).where(_owned(link, by_name, athlete_id)).order_by(*order)
        )
        tables[table.name] = [_row(table, row) for row in result.mappings()]
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _json_value(now) if now is not None else None,
        "athlete": _row(athlete_table, found),
        "tables": tables,
    }


# --------------------------------------------------------------------------- erase


async def erase(session: AsyncSession, athlete_id: int) -> bool:
    """Delete the athlete and every row linked to them; False if there was no such athlete.

    ON DELETE CASCADE would do most of this, but deleting children explicitly
    (deepest first) also covers a future foreign key declared without it. Where
    someone else's row names them (`PERSON_MENTIONS`), the name is cleared first.
    """
    athlete_table = Base.metadata.tables[ATHLETE_TABLE]
    exists = await session.scalar(
        select(athlete_table.c.id).where(athlete_table.c.id == athlete_id)
    )
    if exists is None:
        return False
    for table_name, column in sorted(PERSON_MENTIONS):
        table = Base.metadata.tables[table_name]
        await session.execute(
            update(table).where(table.c[column] == athlete_id).values({column: None})
        )
    all_links = links()
    by_name = {link.table.name: link for link in all_links}
    for link in reversed(all_links):
        await session.execute(delete(link.table).where(_doomed(link, by_name, athlete_id)))
    await session.execute(delete(athlete_table).where(athlete_table.c.id == athlete_id))
    session.expunge_all()  # ORM objects loaded earlier in this session are gone now
    return True


# --------------------------------------------------------------------------- health data


async def erase_health_data(session: AsyncSession, athlete_ids: Iterable[int] | int) -> int:
    """Delete self-tests, check-ins, cadence runs and warm-up acks; rows deleted."""
    ids = [athlete_ids] if isinstance(athlete_ids, int) else list(athlete_ids)
    if not ids:
        return 0
    removed = 0
    for link in reversed(links()):
        table = link.table
        if table.name not in HEALTH_TABLES or not link.athlete_columns:
            continue
        condition = or_(*(table.c[name].in_(ids) for name in link.athlete_columns))
        result = await session.execute(delete(table).where(condition))
        removed += max(_rowcount(result), 0)
    return removed


def _rowcount(result: Any) -> int:
    count = getattr(result, "rowcount", 0)
    return count if isinstance(count, int) else 0


async def _clear_sharing(session: AsyncSession, athlete_id: int) -> None:
    for link in links():
        table = link.table
        if not link.athlete_columns:
            continue
        columns = [c for c in table.columns if c.name in SHARING_CONSENT_COLUMNS]
        if not columns:
            continue
        owned = or_(*(table.c[name] == athlete_id for name in link.athlete_columns))
        if any(not c.nullable and not _is_bool(c) for c in columns):
            await session.execute(delete(table).where(owned))
            continue
        values = {c.name: (False if _is_bool(c) else None) for c in columns}
        await session.execute(update(table).where(owned).values(**values))


def _is_bool(column: Any) -> bool:
    try:
        return column.type.python_type is bool
    except NotImplementedError:
        return False


async def withdraw_consent(session: AsyncSession, athlete_id: int, now: dt.datetime) -> bool:
    """Forget the athlete's health data and consent but keep the account (reminders go on).

    False if there is no such athlete.
    """
    athlete = await session.get(Athlete, athlete_id)
    if athlete is None:
        return False
    await erase_health_data(session, athlete_id)
    await _clear_sharing(session, athlete_id)
    athlete.consent_at = None
    athlete.last_seen_at = now
    return True


# --------------------------------------------------------------------------- retention


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same wall-clock instant `months` calendar months earlier (day clamped to the month)."""
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


async def inactive_athletes(session: AsyncSession, cutoff: dt.datetime) -> list[int]:
    last_seen = func.coalesce(Athlete.last_seen_at, Athlete.created_at)
    found = await session.scalars(select(Athlete.id).where(last_seen < cutoff))
    return list(found)


async def purge_inactive(session: AsyncSession, now: dt.datetime, months: int) -> int:
    """Erase the health data of athletes not heard from for `months`; rows deleted.

    The account stays (so does consent: it was never withdrawn), reminders too.
    """
    if months <= 0:
        return 0
    ids = await inactive_athletes(session, months_before(now, months))
    removed = 0
    for start in range(0, len(ids), 500):
        removed += await erase_health_data(session, ids[start : start + 500])
    return removed


async def touch(session: AsyncSession, athlete_id: int, now: dt.datetime) -> None:
    """Record that the athlete was seen (at most one write a minute per athlete)."""
    await session.execute(
        update(Athlete)
        .where(
            and_(
                Athlete.id == athlete_id,
                or_(
                    Athlete.last_seen_at.is_(None),
                    Athlete.last_seen_at < now - dt.timedelta(minutes=1),
                ),
            )
        )
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )


__all__ = [
    "HEALTH_TABLES",
    "PERSON_MENTIONS",
    "Link",
    "athlete_columns",
    "erase",
    "erase_health_data",
    "export",
    "inactive_athletes",
    "links",
    "months_before",
    "purge_inactive",
    "touch",
    "withdraw_consent",
]
