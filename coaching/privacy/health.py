"""Health data, which may go before the account does: consent withdrawn, or a long silence.

Only these two rules need to know which tables are health data
(`HEALTH_TABLES`): they keep the account, so reminders and tips go on.
Withdrawing consent also ends sharing results with coaches (`SHARING_CONSENT`).
The retention rule erases the health data of athletes not heard from for
RETENTION_MONTHS; `touch` records when each was last heard from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Column, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.models import Athlete
from coaching.privacy.walk import HEALTH_TABLES, SHARING_CONSENT, links


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
        columns = [c for c in table.columns if (table.name, c.name) in SHARING_CONSENT]
        if not columns or not link.athlete_columns:
            continue
        owned = or_(*(table.c[name] == athlete_id for name in link.athlete_columns))
        if any(not c.nullable and not _is_bool(c) for c in columns):
            await session.execute(delete(table).where(owned))
            continue
        values = {c.name: (False if _is_bool(c) else None) for c in columns}
        await session.execute(update(table).where(owned).values(**values))


def _is_bool(column: Column[Any]) -> bool:
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
