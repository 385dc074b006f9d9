"""What measured form means for the self-test's findings: a measurement outranks an eye.

The self-test asks the athlete to judge their hip drop in a mirror or on film;
a clip measured here says it in degrees. `with_measured` is the one place the
two meet: wherever findings are shown or planned from (the self-test's
summary, /plan, the coach's card of an athlete), the latest measured pelvic
drop replaces the by-eye hip-drop finding, with the date it was measured.

Only pelvic drop gets a level, by the knowledge base's bands
(`kb.video.pelvic_levels`, general guidance with their sources in
docs/video.md, not validated cut-offs for injury). Overstride has no validated
cut-off, so it never becomes a level: its figures are shown beside the
foot-landing finding.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from coaching.scoring import Assessment, assess
from coaching.video.store import MeasuredForm
from knowledge.schema import KnowledgeBase, Level

HIP_DROP = "hip_drop"
"""The self-test's fault id for a pelvis that sags on the swing side."""
OVERSTRIDING = "overstriding"
"""The fault the foot-landing step judges; overstride figures are shown beside it."""


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


def measured_levels(kb: KnowledgeBase, form: MeasuredForm | None) -> dict[str, MeasuredFinding]:
    """Fault id → the finding measured from video; empty when nothing was measured."""
    if form is None or form.pelvic_drop_deg is None or form.pelvic_at is None:
        return {}
    degrees = form.pelvic_drop_deg
    level = kb.video.pelvic_levels.level(degrees)
    return {HIP_DROP: MeasuredFinding(level, degrees, form.pelvic_at)}


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

    A measured hip drop replaces the answer's level and needs no answers: an
    athlete who skipped the mirror test, or never took the test, still has it
    as a finding. Without a test the other faults stay "not tested".
    """
    measured = measured_levels(kb, form)
    stride = stride_figures(form)
    if not measured:
        return Findings(found, {}, stride)
    base = found if found is not None else assess(kb, {})
    levels, missing = dict(base.levels), dict(base.missing)
    for fault, finding in measured.items():
        levels[fault] = finding.level
        missing[fault] = []
    return Findings(Assessment(levels, missing), measured, stride)
