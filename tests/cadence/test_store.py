"""Runs kept per athlete: latest cadence, trend order, a resent file, deleting the athlete."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import delete, func, select

from coaching.cadence import CadenceAnalysis, analyse_file, latest_cadence, recent_runs, save_run
from coaching.cadence.models import CadenceRun
from coaching.db import Database
from coaching.models import Athlete
from tests.cadence.runfiles import RunPlan, fit_bytes

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def run_on(day: int, cadence: float) -> CadenceAnalysis:
    start = dt.datetime(2026, 5, day, 6, 0, tzinfo=dt.UTC)
    return analyse_file("run.fit", fit_bytes(RunPlan(start).run(120, 3.0, cadence)))


async def test_latest_cadence_and_trend(db: Database) -> None:
    async with db.transaction() as session:
        session.add(Athlete(id=7, first_name="Ann"))
    async with db.transaction() as session:
        assert await latest_cadence(session, 7) is None
        await save_run(session, 7, run_on(3, 172.0), NOW)
        await save_run(session, 7, run_on(1, 164.0), NOW)
    async with db.transaction() as session:
        assert await latest_cadence(session, 7) == 172.0
        runs = await recent_runs(session, 7)
        assert [r.avg_cadence_spm for r in runs] == [164.0, 172.0]
        assert runs[0].started_at == dt.datetime(2026, 5, 1, 6, 0, tzinfo=dt.UTC)
        assert runs[0].assumed_unit == "strides" and runs[0].source == "fit"
        assert runs[0].duration_s == 120 and runs[0].distance_m == 360.0


async def test_same_run_sent_twice_is_one_row(db: Database) -> None:
    async with db.transaction() as session:
        session.add(Athlete(id=8, first_name="Bo"))
    first = run_on(2, 170.0)
    async with db.transaction() as session:
        _, is_new = await save_run(session, 8, first, NOW)
        assert is_new
    again = dataclasses.replace(first, avg_cadence_spm=171.0)
    async with db.transaction() as session:
        _, is_new = await save_run(session, 8, again, NOW)
        assert not is_new
    async with db.transaction() as session:
        count = await session.scalar(select(func.count()).select_from(CadenceRun))
        assert count == 1
        assert await latest_cadence(session, 8) == 171.0


async def test_runs_go_with_the_athlete(db: Database) -> None:
    async with db.transaction() as session:
        session.add(Athlete(id=9, first_name="Cy"))
    async with db.transaction() as session:
        await save_run(session, 9, run_on(4, 176.0), NOW)
    async with db.transaction() as session:
        await session.execute(delete(Athlete).where(Athlete.id == 9))
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(CadenceRun)) == 0
