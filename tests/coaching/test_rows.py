"""`coaching.rows.load` and `persistent`: Core statements' rows as the session's own objects.

The hot paths read and write with statements built once, skipping the ORM's work
per statement; the objects they hand back must behave exactly as the ORM's would.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import Table, update

from coaching.db import Database
from coaching.models import Athlete
from coaching.rows import load, persistent

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


async def stored_athlete(db: Database, athlete_id: int) -> None:
    async with db.transaction() as session:
        session.add(
            Athlete(id=athlete_id, first_name="Ann", language="fi", consent_at=NOW, active=True)
        )


async def test_load_finds_nobody_for_an_unknown_id(db: Database) -> None:
    async with db.transaction() as session:
        assert await load(session, Athlete, 404) is None


async def test_a_loaded_object_is_the_sessions_own_and_its_changes_are_stored(
    db: Database,
) -> None:
    await stored_athlete(db, 1)
    async with db.transaction() as session:
        athlete = await load(session, Athlete, 1)
        assert athlete is not None
        assert (athlete.first_name, athlete.language, athlete.consent_at) == ("Ann", "fi", NOW)
        assert await session.get(Athlete, 1) is athlete
        athlete.first_name = "Anna"
    async with db.transaction() as session:
        again = await session.get(Athlete, 1)
    assert again is not None and again.first_name == "Anna"


async def test_load_hands_back_the_object_the_session_already_holds(db: Database) -> None:
    await stored_athlete(db, 2)
    async with db.transaction() as session:
        held = await session.get(Athlete, 2)
        assert held is not None
        held.first_name = "Changed, not yet flushed"
        assert await load(session, Athlete, 2) is held
        assert held.first_name == "Changed, not yet flushed"


async def test_a_row_brings_the_held_object_up_to_date(db: Database) -> None:
    await stored_athlete(db, 3)
    async with db.transaction() as session:
        held = await session.get(Athlete, 3)
        table = cast(Table, Athlete.__table__)
        renamed = (
            await session.execute(
                update(table).where(table.c.id == 3).values(first_name="Bo").returning(*table.c)
            )
        ).one()
        assert persistent(session, Athlete, renamed) is held
        assert held is not None and held.first_name == "Bo"
        assert held not in session.dirty  # as loaded: nothing to write back


async def test_load_flushes_first_as_the_orm_does(db: Database) -> None:
    async with db.transaction() as session:
        session.add(Athlete(id=4, first_name="Cy", language="en", active=True))
        found = await load(session, Athlete, 4)
        assert found is not None and found.first_name == "Cy"
