"""Withdrawing consent and the retention rule erase health data but keep the account."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from coaching import privacy
from coaching.db import Database
from coaching.models import Athlete
from coaching.tables import metadata
from tests.privacy.dbcheck import NOW, fill, foreign_key_orphans, row_counts

ANN, BOB = 424242001, 535353002
KEPT = {"athlete", "reminder_settings", "delivery", "tip_sent"}


async def _count(db: Database, table_name: str, athlete_id: int) -> int:
    table = metadata.tables[table_name]
    column = "user_id" if table_name == "coach" else "id" if table_name == "athlete" else None
    column = column or "athlete_id"
    async with db.transaction() as session:
        rows = await session.execute(select(table).where(table.c[column] == athlete_id))
        return len(rows.all())


async def test_withdraw_erases_health_data_and_sharing_only(db: Database) -> None:
    async with db.transaction() as session:
        await fill(session, ANN, "QQA")
        await fill(session, BOB, "QQB")
        before = await row_counts(session)
    async with db.transaction() as session:
        assert await privacy.withdraw_consent(session, ANN, NOW)
    for table in privacy.HEALTH_TABLES | {"group_membership"}:
        assert await _count(db, table, ANN) == 0, table
        assert await _count(db, table, BOB) == 1, table
    for table in KEPT:
        assert await _count(db, table, ANN) == 1, table
    async with db.transaction() as session:
        athlete = await session.get(Athlete, ANN)
        assert athlete is not None and athlete.consent_at is None
        bob = await session.get(Athlete, BOB)
        assert bob is not None and bob.consent_at is not None
        assert await foreign_key_orphans(session) == []
        after = await row_counts(session)
    assert after["athlete"] == before["athlete"]
    async with db.transaction() as session:
        assert not await privacy.withdraw_consent(session, 1, NOW)


def test_months_before_clamps_the_day() -> None:
    moment = dt.datetime(2026, 3, 31, 10, 0, tzinfo=dt.UTC)
    assert privacy.months_before(moment, 1) == dt.datetime(2026, 2, 28, 10, 0, tzinfo=dt.UTC)
    assert privacy.months_before(moment, 24) == dt.datetime(2024, 3, 31, 10, 0, tzinfo=dt.UTC)
    assert privacy.months_before(moment, 3) == dt.datetime(2025, 12, 31, 10, 0, tzinfo=dt.UTC)
    leap = dt.datetime(2024, 2, 29, tzinfo=dt.UTC)
    assert privacy.months_before(leap, 12) == dt.datetime(2023, 2, 28, tzinfo=dt.UTC)


async def test_retention_purges_only_the_long_silent(db: Database) -> None:
    async with db.transaction() as session:
        await fill(session, ANN, "QQA")
        await fill(session, BOB, "QQB")
        ann = await session.get(Athlete, ANN)
        bob = await session.get(Athlete, BOB)
        assert ann is not None and bob is not None
        ann.last_seen_at = NOW - dt.timedelta(days=2 * 366)
        bob.last_seen_at = NOW - dt.timedelta(days=700)  # under 24 months
    async with db.transaction() as session:
        assert await privacy.purge_inactive(session, NOW, 24) > 0
    for table in privacy.HEALTH_TABLES:
        assert await _count(db, table, ANN) == 0, table
        assert await _count(db, table, BOB) == 1, table
    assert await _count(db, "athlete", ANN) == 1
    async with db.transaction() as session:
        assert await privacy.purge_inactive(session, NOW, 24) == 0  # idempotent
        assert await privacy.purge_inactive(session, NOW, 0) == 0  # disabled


async def test_touch_records_last_seen(db: Database) -> None:
    async with db.transaction() as session:
        await fill(session, ANN, "QQA")
    later = NOW + dt.timedelta(days=30)
    async with db.transaction() as session:
        await privacy.touch(session, ANN, later)
        await privacy.touch(session, 999, later)  # unknown: nothing, no error
    async with db.transaction() as session:
        ann = await session.get(Athlete, ANN)
        assert ann is not None and ann.last_seen_at == later
