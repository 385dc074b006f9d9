"""Whether we hold anything about a person, and what erasing them would do to others.

A person may be an athlete, a coach, both, or only named in someone else's
row (`PERSON_MENTIONS`). /export and /delete must not answer "nothing stored"
to a coach who never used the athlete side, and /delete should tell a coach,
before they confirm, that their groups go and their athletes leave them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.coach_models import GroupMembership, TrainingGroup
from coaching.privacy.walk import ATHLETE_TABLE, COACH_KEYS, PERSON_KEYS, PERSON_MENTIONS, table


@dataclass(frozen=True)
class Held:
    """What we hold about one person, in the terms /delete explains it."""

    athlete: bool
    """They have an athlete profile (and whatever hangs off it)."""
    coach: bool
    """They have coach records: the coach row, and their groups, invites, broadcasts, drafts."""
    groups: int = 0
    """Their training groups, deleted with them."""
    members: int = 0
    """Other athletes in those groups, who leave them (their own data stays theirs)."""


async def _names(session: AsyncSession, columns: frozenset[tuple[str, str]], person: int) -> bool:
    for table_name, column in sorted(columns):
        found = table(table_name)
        if await session.scalar(select(exists().where(found.c[column] == person))):
            return True
    return False


async def held(session: AsyncSession, person_id: int) -> Held | None:
    """What we hold about the person; None if nothing at all (no row names them)."""
    athlete = await _names(session, frozenset({(ATHLETE_TABLE, "id")}), person_id)
    coach = await _names(session, COACH_KEYS, person_id)
    others = PERSON_KEYS - COACH_KEYS
    if not athlete and not coach and not await _names(session, PERSON_MENTIONS | others, person_id):
        return None
    if not coach:
        return Held(athlete=athlete, coach=False)
    groups = await session.scalar(
        select(func.count()).select_from(TrainingGroup).where(TrainingGroup.coach_id == person_id)
    )
    members = await session.scalar(
        select(func.count(func.distinct(GroupMembership.athlete_id)))
        .join(TrainingGroup, TrainingGroup.id == GroupMembership.group_id)
        .where(TrainingGroup.coach_id == person_id, GroupMembership.athlete_id != person_id)
    )
    return Held(athlete=athlete, coach=True, groups=groups or 0, members=members or 0)
