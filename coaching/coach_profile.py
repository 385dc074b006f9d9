"""A coach's own time zone, name and language, apart from any athlete profile.

A coach need not be an athlete: one who never went through athlete onboarding
used to schedule in UTC, and one who did saw their broadcasts' times move when
they changed their running time zone. A coach's zone is now set with
`/timezone` and kept in `coach_settings`; until then their athlete zone (if
any) is used, else UTC. The name on their broadcasts' header and their
language follow their Telegram profile, noted whenever they use the console.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from coaching.coaches import Role
from coaching.console_models import DISPLAY_NAME_MAX, CoachSettings
from coaching.models import Athlete
from coaching.names import clean_name
from coaching.timeparse import parse_timezone

DEFAULT_ZONE = "UTC"


async def settings_for(session: AsyncSession, role: Role, now: dt.datetime) -> CoachSettings:
    """The coach's settings row, created on first use."""
    found = await session.get(CoachSettings, role.user_id)
    if found is None:
        found = CoachSettings(coach_id=role.user_id, display_name="", updated_at=now)
        session.add(found)
        await session.flush()
    return found


async def zone_name(session: AsyncSession, coach_id: int) -> str:
    """The coach's IANA zone: their own, else their athlete profile's, else UTC."""
    found = await session.get(CoachSettings, coach_id)
    if found is not None and found.timezone:
        return found.timezone
    athlete = await session.get(Athlete, coach_id)
    if athlete is not None and athlete.timezone:
        return athlete.timezone
    return DEFAULT_ZONE


async def has_own_zone(session: AsyncSession, coach_id: int) -> bool:
    found = await session.get(CoachSettings, coach_id)
    return found is not None and bool(found.timezone)


async def set_zone(session: AsyncSession, role: Role, typed: str, now: dt.datetime) -> str:
    """Store the zone the coach typed ("Europe/Helsinki", "+2"); `InvalidInput` if none."""
    name = parse_timezone(typed)
    found = await settings_for(session, role, now)
    found.timezone, found.updated_at = name, now
    found.next_digest_at = None  # the planner recomputes it in the new zone
    return name


async def note_identity(
    session: AsyncSession, role: Role, first_name: str | None, language: str, now: dt.datetime
) -> CoachSettings:
    """Keep the coach's shown name and language as Telegram reports them."""
    found = await settings_for(session, role, now)
    name = clean_name(first_name or "")[:DISPLAY_NAME_MAX]
    if name and name != found.display_name:
        found.display_name, found.updated_at = name, now
    if language != found.language:
        found.language, found.updated_at = language, now
    return found


async def display_name(session: AsyncSession, coach_id: int) -> str:
    """The name athletes see on the coach's broadcasts; empty when unknown."""
    found = await session.get(CoachSettings, coach_id)
    if found is not None and found.display_name:
        return found.display_name
    athlete = await session.get(Athlete, coach_id)
    return athlete.first_name if athlete is not None else ""


async def language_of(session: AsyncSession, coach_id: int) -> str:
    """The language to write to the coach in (their digest, relayed replies)."""
    found = await session.get(CoachSettings, coach_id)
    if found is not None and found.language:
        return found.language
    athlete = await session.get(Athlete, coach_id)
    return athlete.language if athlete is not None else "en"
