"""Measured form as the athlete and the coach read it, beside the self-test's findings.

`coaching.video.with_measured` decides what a measurement changes (the hip-drop
level); this turns it into text: the lines under a finding in the summary, the
plan's line about video (what was measured, or that /video can measure it), and
the coach's card line of the measured finding and its figures.
"""

from __future__ import annotations

import datetime as dt

from bot.context import HipContext
from coaching.video import Findings, MeasuredForm, with_measured
from coaching.video.findings import HIP_DROP, OVERSTRIDING
from knowledge import KnowledgeBase, i18n
from knowledge.schema import text_for


def finding_notes(
    kb: KnowledgeBase, lang: str, findings: Findings, zone: dt.tzinfo | None
) -> dict[str, list[str]]:
    """Fault id → lines under its finding: the measured drop that set its level, and the
    foot-landing figures beside the foot-landing finding."""
    notes: dict[str, list[str]] = {}
    for fault, measured in findings.measured.items():
        notes.setdefault(fault, []).append(
            kb.ui_text(
                f"finding_measured_{fault}",
                lang,
                date=i18n.format_local_date(measured.measured_at, zone, lang),
                degrees=i18n.number(measured.degrees, lang, 1),
            )
        )
    stride = findings.stride
    if stride is not None:
        notes.setdefault(OVERSTRIDING, []).append(
            kb.ui_text(
                "finding_stride",
                lang,
                date=i18n.format_local_date(stride.measured_at, zone, lang),
                reach=i18n.number(stride.leg_lengths, lang, 2),
                shin=i18n.number(stride.shin_deg, lang, 0),
            )
        )
    return notes


def plan_note(kb: KnowledgeBase, lang: str, findings: Findings, zone: dt.tzinfo | None) -> str:
    """The plan's line about video: the measured hip drop it rests on, or how to get one."""
    measured = findings.measured.get(HIP_DROP)
    if measured is None:
        return kb.ui_text("plan_video", lang)
    date = i18n.format_local_date(measured.measured_at, zone, lang)
    return kb.ui_text("plan_measured", lang, date=date)


def _measured_findings(context: HipContext, findings: Findings) -> list[str]:
    """The coach's words for each finding taken from video: the fault and its level."""
    lang = context.lang
    faults = context.kb.faults.items()
    said = []
    for fault, measured in findings.measured.items():
        name = next((text_for(f.name, lang) for key, f in faults if key == fault), fault)
        level = context.kb.ui_text(f"level_{measured.level}", lang)
        said.append(context.t("card_video_finding", fault=name, level=level))
    return said


def card_line(context: HipContext, form: MeasuredForm | None, zone: dt.tzinfo) -> str | None:
    """One line for the card, or None when the athlete never had a clip measured for form.

    A measured hip drop leads it as a finding (`with_measured`): it counts over the
    by-eye answer of the athlete's self-test.
    """
    if form is None:
        return None
    lang = context.lang
    figures = _measured_findings(context, with_measured(context.kb, None, form))
    dates: list[dt.datetime] = []
    if form.pelvic_left_deg is not None and form.pelvic_right_deg is not None:
        figures.append(
            context.t(
                "card_video_pelvic",
                left=i18n.number(form.pelvic_left_deg, lang, 1),
                right=i18n.number(form.pelvic_right_deg, lang, 1),
            )
        )
        if form.pelvic_at is not None:
            dates.append(form.pelvic_at)
    if form.overstride_legs is not None and form.shin_deg is not None:
        figures.append(
            context.t(
                "card_video_overstride",
                reach=i18n.number(form.overstride_legs, lang, 2),
                shin=i18n.number(form.shin_deg, lang, 0),
            )
        )
        if form.overstride_at is not None:
            dates.append(form.overstride_at)
    if not figures or not dates:
        return None
    latest = max(dates).astimezone(zone).date()
    return context.t("card_video", date=i18n.format_date(latest, lang), figures="; ".join(figures))
