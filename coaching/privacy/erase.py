"""Erasing a person (/delete): their athlete profile, coach records and all hanging off them.

What goes, and what happens to others:

- every row that is theirs (`walk.owned`), and every row of someone else that
  hangs off one of theirs and could not stand without it: another athlete's
  membership of the coach's group goes with the group, so the athlete simply
  leaves it (their own profile and results stay theirs);
- the coach's broadcasts are cancelled first, the way the coach's own Cancel
  does it: their deliveries refer to them by id only (`ref_id`, no foreign
  key), so what has not gone out yet must not go out after the erasure;
- where a row of someone else names them (`PERSON_MENTIONS`: a coach they
  invited, an invite they used, a group chat they linked) only the name is
  cleared: the row stays with its owner.

ON DELETE CASCADE would do most of this, but deleting children explicitly
(deepest first) also covers a future foreign key declared without it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coaching import broadcasts
from coaching.base import utcnow
from coaching.coach_models import Broadcast
from coaching.privacy.held import held
from coaching.privacy.walk import ATHLETE_TABLE, PERSON_MENTIONS, by_name, doomed, links, table


async def _cancel_broadcasts(session: AsyncSession, coach_id: int, now: dt.datetime) -> None:
    found = await session.scalars(select(Broadcast).where(Broadcast.coach_id == coach_id))
    for broadcast in found.all():
        await broadcasts.cancel(session, broadcast, now)


async def erase(session: AsyncSession, person_id: int, now: dt.datetime | None = None) -> bool:
    """Delete the person and every row linked to them; False if we held nothing about them."""
    found = await held(session, person_id)
    if found is None:
        return False
    if found.coach:
        await _cancel_broadcasts(session, person_id, now or utcnow())
    for table_name, column in sorted(PERSON_MENTIONS):
        mentioning = table(table_name)
        await session.execute(
            update(mentioning).where(mentioning.c[column] == person_id).values({column: None})
        )
    all_links = links()
    linked = by_name(all_links)
    for link in reversed(all_links):
        await session.execute(delete(link.table).where(doomed(link, linked, person_id)))
    athlete_table = table(ATHLETE_TABLE)
    await session.execute(delete(athlete_table).where(athlete_table.c.id == person_id))
    session.expunge_all()  # ORM objects loaded earlier in this session are gone now
    return True
