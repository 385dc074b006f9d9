"""Keeping the figures of analysed clips, and the latest measured form of an athlete.

`measured_form` is the one thing other features read: the self-test's
hip-drop and foot-landing findings (a measured value outranks an answer given
by eye) and the coach's card of an athlete.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.video.measure import FormMeasure
from coaching.video.models import VideoAnalysis

RECENT = 5


async def save_video(
    session: AsyncSession, athlete_id: int, form: FormMeasure, now: dt.datetime
) -> VideoAnalysis:
    """Store one clip's figures."""
    row = VideoAnalysis(
        athlete_id=athlete_id,
        analysed_at=now,
        view=form.view.value,
        seconds=form.seconds,
        steps=form.steps,
        cadence_spm=round(form.cadence_spm, 1),
    )
    if form.overstride is not None:
        row.overstride_legs = round(form.overstride.leg_lengths.mean, 3)
        row.overstride_sd = round(form.overstride.leg_lengths.sd, 3)
        row.shin_deg = round(form.overstride.shin_deg.mean, 1)
    if form.pelvic_drop is not None:
        drop = form.pelvic_drop
        row.pelvic_left_deg, row.pelvic_left_sd = round(drop.left.mean, 1), round(drop.left.sd, 1)
        row.pelvic_right_deg = round(drop.right.mean, 1)
        row.pelvic_right_sd = round(drop.right.sd, 1)
        row.pelvic_left_n, row.pelvic_right_n = drop.left.n, drop.right.n
        row.pelvic_more_on = drop.more_on
    session.add(row)
    await session.flush()
    return row


async def recent_videos(
    session: AsyncSession, athlete_id: int, limit: int = RECENT
) -> list[VideoAnalysis]:
    """The latest analyses, oldest first (for a trend)."""
    rows = await session.scalars(
        select(VideoAnalysis)
        .where(VideoAnalysis.athlete_id == athlete_id)
        .order_by(VideoAnalysis.analysed_at.desc(), VideoAnalysis.id.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))


@dataclass(frozen=True)
class MeasuredForm:
    """The latest measured figures; None where no clip measured them yet."""

    pelvic_left_deg: float | None
    pelvic_right_deg: float | None
    pelvic_more_on: str | None
    pelvic_at: dt.datetime | None
    overstride_legs: float | None
    shin_deg: float | None
    overstride_at: dt.datetime | None
    cadence_spm: float | None

    @property
    def pelvic_drop_deg(self) -> float | None:
        """The larger side's mean drop: what a by-eye "hip drop" answer is about."""
        sides = [v for v in (self.pelvic_left_deg, self.pelvic_right_deg) if v is not None]
        return max(sides) if sides else None


async def measured_form(session: AsyncSession, athlete_id: int) -> MeasuredForm | None:
    """The athlete's latest pelvic drop and overstride from video, or None if never measured."""
    clips = await session.scalars(
        select(VideoAnalysis)
        .where(VideoAnalysis.athlete_id == athlete_id)
        .order_by(VideoAnalysis.analysed_at.desc(), VideoAnalysis.id.desc())
    )
    newest_first = clips.all()
    return latest_form(newest_first) if newest_first else None


def latest_form(newest_first: Sequence[VideoAnalysis]) -> MeasuredForm:
    """The latest figures of one athlete's clips, newest first: each figure from the
    newest clip that measured it (a rear view has no overstride, a side view no drop)."""
    pelvic = next((r for r in newest_first if r.pelvic_left_deg is not None), None)
    stride = next((r for r in newest_first if r.overstride_legs is not None), None)
    return MeasuredForm(
        pelvic_left_deg=pelvic.pelvic_left_deg if pelvic else None,
        pelvic_right_deg=pelvic.pelvic_right_deg if pelvic else None,
        pelvic_more_on=pelvic.pelvic_more_on if pelvic else None,
        pelvic_at=pelvic.analysed_at if pelvic else None,
        overstride_legs=stride.overstride_legs if stride else None,
        shin_deg=stride.shin_deg if stride else None,
        overstride_at=stride.analysed_at if stride else None,
        cadence_spm=newest_first[0].cadence_spm,
    )
