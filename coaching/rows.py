"""Rows that Core statements return, as the session's own ORM objects.

The hot paths (a self-test tap, every update's athlete) read and write with
statements built once and run as Core: the ORM builds a statement and works out
its cache key on every call, and its per-statement work cost more than running
the statement on SQLite. The objects handed back here behave as the ORM's would:
the session holds them, and later changes to them are flushed as usual.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import class_mapper, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from coaching.base import Base

Model = TypeVar("Model", bound=Base)


def persistent(session: AsyncSession, model: type[Model], row: Row[Any]) -> Model:
    """The session's object for a row a Core statement returned (`RETURNING` every column).

    As if the ORM had loaded it: the object the session already holds for that
    row is brought up to date, or a new one joins the session.
    """
    values = row._asdict()
    held = _held(session, model, tuple(values[c.name] for c in class_mapper(model).primary_key))
    if held is not None:
        for name, value in values.items():
            set_committed_value(held, name, value)
        return held
    fresh = model(**values)
    make_transient_to_detached(fresh)
    session.add(fresh)
    return fresh


async def load(session: AsyncSession, model: type[Model], key: object) -> Model | None:
    """`session.get(model, key)` for a model with a one-column primary key, on a hot path.

    The same object and the same rules (the session's own object if it holds one),
    from a SELECT built once: `Session.get` builds its statement and works out its
    cache key for every call.
    """
    held = _held(session, model, (key,))
    if held is not None:
        return held
    if session.autoflush and (session.new or session.dirty or session.deleted):
        await session.flush()  # as the ORM does before it reads
    row = (await session.execute(_by_key(model), {"key": key})).first()
    return None if row is None else persistent(session, model, row)


def _held(session: AsyncSession, model: type[Model], key: tuple[object, ...]) -> Model | None:
    return session.sync_session.identity_map.get(identity_key(model, key))


@cache
def _by_key(model: type[Any]) -> Select[Any]:
    table = class_mapper(model).local_table
    [column] = class_mapper(model).primary_key
    return select(*table.c).where(column == bindparam("key"))
