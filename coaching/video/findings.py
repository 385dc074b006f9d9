"""What measured form means for the self-test's findings: a measurement outranks an eye.

The self-test asks the athlete to judge their hip drop in a mirror or on film;
a clip measured here says it in degrees. `measured_levels` turns the latest
measurement into the self-test's levels (none / mild / marked) for the faults
a video can speak to, so a finding can prefer it over the by-eye answer.

Only pelvic drop gets a level. Overstride has no validated cut-off, so it is
shown as figures and a trend, never as a level (`overstride_note` says what
was measured). The bands are general guidance, with their sources in
docs/video.md; they are not validated cut-offs for injury.
"""

from __future__ import annotations

from coaching.video.store import MeasuredForm

HIP_DROP = "hip_drop"
"""The self-test's fault id for a pelvis that sags on the swing side."""
PELVIC_DROP_MILD_DEG = 5.0
PELVIC_DROP_MARKED_DEG = 8.0
"""Mean peak contralateral pelvic drop (the more-dropping stance leg) from 2D video:
under MILD "none", under MARKED "mild", above "marked"."""


def pelvic_level(degrees: float) -> str:
    """The self-test level of one measured pelvic drop."""
    if degrees >= PELVIC_DROP_MARKED_DEG:
        return "marked"
    if degrees >= PELVIC_DROP_MILD_DEG:
        return "mild"
    return "none"


def measured_levels(form: MeasuredForm | None) -> dict[str, str]:
    """Fault id → level from the latest measurement; empty when nothing was measured.

    Callers put these over the levels scored from answers: a measured value
    outranks a by-eye answer.
    """
    if form is None or form.pelvic_drop_deg is None:
        return {}
    return {HIP_DROP: pelvic_level(form.pelvic_drop_deg)}


def overstride_note(form: MeasuredForm | None) -> tuple[float, float] | None:
    """(heel ahead of the hip in leg lengths, shin angle) of the latest side-view clip."""
    if form is None or form.overstride_legs is None or form.shin_deg is None:
        return None
    return form.overstride_legs, form.shin_deg
