"""Keeping analysed runs per athlete, and reading them back for trends and overviews."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.cadence.analysis import CadenceAnalysis
from coaching.cadence.models import CadenceRun


async def save_run(
    session: AsyncSession, athlete_id: int, analysis: CadenceAnalysis, uploaded_at: dt.datetime
) -> tuple[CadenceRun, bool]:
    """Store a run; the same run (same start) sent again replaces it. (row, is_new)."""
    row = await session.scalar(
        select(CadenceRun).where(
            CadenceRun.athlete_id == athlete_id, CadenceRun.started_at == analysis.started_at
        )
    )
    is_new = row is None
    if row is None:
        row = CadenceRun(athlete_id=athlete_id, started_at=analysis.started_at)
        session.add(row)
    row.uploaded_at = uploaded_at
    row.source = analysis.source
    row.sport = (analysis.sport or "")[:32] or None
    row.duration_s = round(analysis.duration_s)
    row.distance_m = analysis.distance_m
    row.avg_cadence_spm = analysis.avg_cadence_spm
    row.share_in_target = analysis.share_in_target
    row.assumed_unit = analysis.unit.value
    row.unit_from_range = analysis.unit_from_range
    row.pace_bands = [
        {"seconds": b.seconds, "pace_s_per_km": b.pace_s_per_km, "cadence_spm": b.cadence_spm}
        for b in analysis.pace_bands
    ]
    await session.flush()
    return row, is_new


async def recent_runs(session: AsyncSession, athlete_id: int, limit: int = 8) -> list[CadenceRun]:
    """The athlete's latest runs, oldest first (the order a trend reads in)."""
    rows = await session.scalars(
        select(CadenceRun)
        .where(CadenceRun.athlete_id == athlete_id)
        .order_by(CadenceRun.started_at.desc(), CadenceRun.id.desc())
        .limit(limit)
    )
    return list(reversed(rows.all()))


async def latest_cadence(session: AsyncSession, athlete_id: int) -> float | None:
    """Average steps/min of the athlete's most recent run, or None if they sent none."""
    value = await session.scalar(
        select(CadenceRun.avg_cadence_spm)
        .where(CadenceRun.athlete_id == athlete_id)
        .order_by(CadenceRun.started_at.desc(), CadenceRun.id.desc())
        .limit(1)
    )
    return None if value is None else float(value)
