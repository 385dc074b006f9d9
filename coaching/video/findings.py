"""What measured form means for the self-test's findings: a measurement outranks an eye.

The self-test asks the athlete to judge their hip drop in a mirror or on film;
a clip measured here says it in degrees. `with_measured` is the one place the
two meet: wherever findings are shown or planned from (the self-test's
summary, /plan, the coach's card of an athlete), the latest measured pelvic
drop replaces the by-eye hip-drop finding, with the date it was measured.
Everything that reads the findings of athletes by the dozen (the weekly tip,
the coach's list, filters and group overview, the "by finding" broadcast
audience) reads them through `findings_of`, which applies `with_measured` to
each athlete's newest test with enough answers in a few queries for them all.

The self-test's hip-drop fault is "hip drop and knee collapse", scored from the
mirror test (the pelvis) and the knees-inward hop (the knees). Video measures
only the pelvis, so the measured level replaces the mirror test's judgement
and not the knees': the finding is the higher of the measured level and what
the other steps' answers alone give (`by_eye_rest`).

Only pelvic drop gets a level, by the knowledge base's bands
(`kb.video.pelvic_levels`, general guidance with their sources in
docs/video.md, not validated cut-offs for injury). Overstride has no validated
cut-off, so it never becomes a level: its figures are shown beside the
foot-landing finding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.models import SelftestResult
from coaching.scoring import LEVEL_RANK, Assessment, assess, score
from coaching.video.models import VideoAnalysis
from coaching.video.store import MeasuredForm, latest_form
from knowledge.schema import FAULT_IDS, FaultId, KnowledgeBase, Level, SelfTestStep

HIP_DROP = "hip_drop"
"""The self-test's fault id for a pelvis that sags on the swing side."""
OVERSTRIDING = "overstriding"
"""The fault the foot-landing step judges; overstride figures are shown beside it."""
PELVIC_TESTS = frozenset({"hip_drop_mirror"})
"""The self-test's tests (by their `test` tag) that judge by eye what video measures:
the pelvis. The other steps scoring hip drop look at the knees, which 2D video does
not measure."""
CHUNK = 500
"""Athlete ids per query: well under the bound parameters SQLite and asyncpg allow."""


@dataclass(frozen=True)
class MeasuredFinding:
    """A finding taken from video: its level, the figure it rests on, and when."""

    level: Level
    degrees: float
    measured_at: dt.datetime


@dataclass(frozen=True)
class StrideFigures:
    """The latest side-view clip's foot landing: heel ahead of the hip, shin angle."""

    leg_lengths: float
    shin_deg: float
    measured_at: dt.datetime


@dataclass(frozen=True)
class Findings:
    """Findings as shown and planned from: by-eye answers with measurements over them."""

    found: Assessment | None
    """None when there is neither a test with enough answers nor a measured finding."""
    measured: dict[str, MeasuredFinding] = field(default_factory=dict)
    """The faults whose level came from video (they outrank the answers)."""
    stride: StrideFigures | None = None
    """Shown beside the foot-landing finding; never a level."""

    def unmeasured(self, changes: dict[str, int]) -> dict[str, int]:
        """`changes` without the measured faults: a measurement is not compared with an eye."""
        return {fault: change for fault, change in changes.items() if fault not in self.measured}

    def kept_above_measured(self, fault: str) -> bool:
        """Whether the answers video does not measure (the knees-inward hop) put `fault`
        above its measured level: `with_measured` shows the higher of the two, so the
        level shown differs from the measured one only then."""
        measured = self.measured.get(fault)
        if measured is None or self.found is None:
            return False
        return self.found.levels.get(fault) != measured.level


def measured_levels(kb: KnowledgeBase, form: MeasuredForm | None) -> dict[str, MeasuredFinding]:
    """Fault id → the finding measured from video; empty when nothing was measured."""
    if form is None or form.pelvic_drop_deg is None or form.pelvic_at is None:
        return {}
    degrees = form.pelvic_drop_deg
    level = kb.video.pelvic_levels.level(degrees)
    return {HIP_DROP: MeasuredFinding(level, degrees, form.pelvic_at)}


def by_eye_steps(kb: KnowledgeBase, fault: str) -> list[SelfTestStep]:
    """The steps scoring `fault` whose answers video does not overrule (`by_eye_rest`)."""
    return [
        step
        for step in kb.selftest.steps
        if step.test not in PELVIC_TESTS and any(fault in option.scores for option in step.options)
    ]


def by_eye_rest(kb: KnowledgeBase, fault: FaultId, answers: Mapping[str, str]) -> Level:
    """The level `fault` gets from the answers to the steps video does not measure
    (for hip drop, the knees-inward hop alone): "none" when they found nothing or
    were skipped."""
    pelvic = {step.id for step in kb.selftest.steps if step.test in PELVIC_TESTS}
    rest = {step: choice for step, choice in answers.items() if step not in pelvic}
    return kb.faults[fault].level(score(kb.selftest, rest).get(fault, 0))


def stride_figures(form: MeasuredForm | None) -> StrideFigures | None:
    """The latest side-view clip's figures, or None if no clip measured them."""
    if form is None or form.overstride_legs is None or form.shin_deg is None:
        return None
    if form.overstride_at is None:
        return None
    return StrideFigures(form.overstride_legs, form.shin_deg, form.overstride_at)


def with_measured(
    kb: KnowledgeBase, found: Assessment | None, form: MeasuredForm | None
) -> Findings:
    """The findings to show and plan from: `found` (the self-test's, judged by eye) with
    the latest measured values put over it.

    A measured hip drop replaces the mirror test's judgement and needs no answers:
    an athlete who skipped the mirror test, or never took the test, still has it
    as a finding. A knee collapse seen by eye stays: the finding is the higher of
    the measured level and the knees-inward answer's (`by_eye_rest`). Without a test
    the other faults stay "not tested".
    """
    measured = measured_levels(kb, form)
    stride = stride_figures(form)
    if not measured:
        return Findings(found, {}, stride)
    base = found if found is not None else assess(kb, {})
    levels, missing = dict(base.levels), dict(base.missing)
    for fault in FAULT_IDS:
        finding = measured.get(fault)
        if finding is None:
            continue
        rest = by_eye_rest(kb, fault, base.answers)
        levels[fault] = max(finding.level, rest, key=LEVEL_RANK.__getitem__)
        missing[fault] = []
    return Findings(Assessment(levels, missing, base.answers), measured, stride)


@dataclass(frozen=True)
class AthleteFindings:
    """One athlete's findings as read for lists and audiences, and the answers under them."""

    findings: Findings
    answers: dict[str, str] | None
    """The answers of the newest test with enough answers; None when no test had enough
    (the findings then rest on video alone, and the self-test is still to do)."""

    @property
    def tested(self) -> bool:
        """Whether a self-test with enough answers was done: "not tested yet" otherwise."""
        return self.answers is not None

    @property
    def levels(self) -> dict[str, str]:
        """Fault id → none / mild / marked or "untested", measured values over the answers."""
        found = self.findings.found
        return dict(found.levels) if found is not None else {}


async def findings_of(
    session: AsyncSession, kb: KnowledgeBase, athlete_ids: Collection[int]
) -> dict[int, AthleteFindings]:
    """Each athlete's findings: their newest test with enough answers, judged from its
    answers by `assess` (an all-skipped test is no test, and results saved when a skip
    counted as "fine" hold findings their answers never supported), with the latest
    measurement over it (`with_measured`).

    Two queries per `CHUNK` athletes, never one per athlete. An athlete with neither
    a test with enough answers nor a measured finding is left out: not tested.
    """
    ids = sorted(set(athlete_ids))
    tests = await _judged_answers(session, kb, ids)
    forms = await measured_forms(session, ids)
    found: dict[int, AthleteFindings] = {}
    for athlete_id in ids:
        given = tests.get(athlete_id)
        judged = assess(kb, given) if given is not None else None
        findings = with_measured(kb, judged, forms.get(athlete_id))
        if findings.found is not None:
            found[athlete_id] = AthleteFindings(findings, given)
    return found


async def _judged_answers(
    session: AsyncSession, kb: KnowledgeBase, ids: Sequence[int]
) -> dict[int, dict[str, str]]:
    """Per athlete, the answers of their newest test with enough answers."""
    latest: dict[int, dict[str, str]] = {}
    for start in range(0, len(ids), CHUNK):
        rows = await session.execute(
            select(SelftestResult.athlete_id, SelftestResult.answers)
            .where(SelftestResult.athlete_id.in_(ids[start : start + CHUNK]))
            .order_by(SelftestResult.athlete_id, SelftestResult.created_at, SelftestResult.id)
        )
        for athlete_id, given in rows.tuples():
            if assess(kb, given or {}).enough:
                latest[athlete_id] = dict(given or {})
    return latest


async def measured_forms(
    session: AsyncSession, athlete_ids: Collection[int]
) -> dict[int, MeasuredForm]:
    """`measured_form` for many athletes in one query per `CHUNK`.

    Each athlete's newest clip of every kind (with a pelvic drop or not, with
    overstride or not) is ranked first in its kind; the newest of those is the
    latest clip, and the newest with each figure gives that figure.
    """
    ids = sorted(set(athlete_ids))
    newest = (VideoAnalysis.analysed_at.desc(), VideoAnalysis.id.desc())
    rank = func.row_number().over(
        partition_by=(
            VideoAnalysis.athlete_id,
            VideoAnalysis.pelvic_left_deg.is_(None),
            VideoAnalysis.overstride_legs.is_(None),
        ),
        order_by=newest,
    )
    clips: dict[int, list[VideoAnalysis]] = {}
    for start in range(0, len(ids), CHUNK):
        ranked = (
            select(VideoAnalysis.id, rank.label("rank"))
            .where(VideoAnalysis.athlete_id.in_(ids[start : start + CHUNK]))
            .subquery()
        )
        rows = await session.scalars(
            select(VideoAnalysis)
            .join(ranked, ranked.c.id == VideoAnalysis.id)
            .where(ranked.c.rank == 1)
            .order_by(VideoAnalysis.athlete_id, *newest)
        )
        for row in rows:
            clips.setdefault(row.athlete_id, []).append(row)
    return {athlete_id: latest_form(rows) for athlete_id, rows in clips.items()}
