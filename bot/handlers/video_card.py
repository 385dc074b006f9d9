"""Measured form as the athlete and the coach read it, beside the self-test's findings.

`coaching.video.with_measured` decides what a measurement changes (the hip-drop
level); this turns it into text: the lines under a finding in the summary, the
plan's line about video (what was measured, or that /video can measure it), the
coach's card lines of the findings (a measured one over the by-eye trend) and
the card's line of figures.
"""

from __future__ import annotations

import datetime as dt

from bot.context import HipContext
from coaching.video import Findings, MeasuredFinding, MeasuredForm
from coaching.video.findings import HIP_DROP, OVERSTRIDING, by_eye_steps
from knowledge import KnowledgeBase, i18n
from knowledge.schema import text_for


def finding_notes(
    kb: KnowledgeBase, lang: str, findings: Findings, zone: dt.tzinfo | None
) -> dict[str, list[str]]:
    """Fault id → lines under its finding: the measured drop that set its level, and the
    foot-landing figures beside the foot-landing finding."""
    notes: dict[str, list[str]] = {}
    for fault, measured in findings.measured.items():
        lines = notes.setdefault(fault, [])
        lines.append(
            kb.ui_text(
                f"finding_measured_{fault}",
                lang,
                date=i18n.format_local_date(measured.measured_at, zone, lang),
                degrees=i18n.number(measured.degrees, lang, 1),
            )
        )
        if findings.kept_above_measured(fault):
            steps = _by_eye_titles(kb, fault, lang)
            lines.append(kb.ui_text(f"finding_kept_{fault}", lang, steps=steps))
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
    if findings.kept_above_measured(HIP_DROP):
        steps = _by_eye_titles(kb, HIP_DROP, lang)
        return kb.ui_text("plan_measured_kept", lang, date=date, steps=steps)
    return kb.ui_text("plan_measured", lang, date=date)


def _by_eye_titles(kb: KnowledgeBase, fault: str, lang: str) -> str:
    """The titles of the steps whose answers kept `fault` above what video measured."""
    return ", ".join(text_for(step.title, lang) for step in by_eye_steps(kb, fault))


def trend_lines(
    context: HipContext, findings: Findings, lines: dict[str, str], zone: dt.tzinfo
) -> list[str]:
    """The coach's card lines of the findings, a measured one over the by-eye trend.

    `lines` are the by-eye trend lines by fault, in the card's order: a measured
    fault's line goes on with what video measured ("now marked, measured"), and a
    measured fault without one gets its own line.
    """
    lang = context.lang
    out: list[str] = []
    for fault, line in lines.items():
        measured = findings.measured.get(fault)
        if measured is None:
            out.append(line)
            continue
        key = _kept(findings, fault, "card_trend_measured")
        out.append(f"{line} {_measured(context, key, findings, fault, zone)}")
    faults = context.kb.faults.items()
    for fault in findings.measured:
        if fault not in lines:
            name = next((text_for(f.name, lang) for fid, f in faults if fid == fault), fault)
            key = _kept(findings, fault, "card_measured")
            out.append(_measured(context, key, findings, fault, zone, name=name))
    return out


def _level(findings: Findings, fault: str, measured: MeasuredFinding) -> str:
    """The finding's level: the measured one, or higher where a knee collapse seen by eye
    keeps it up (video measures the pelvis only)."""
    if findings.found is None:
        return measured.level
    return findings.found.levels.get(fault, measured.level)


def _kept(findings: Findings, fault: str, key: str) -> str:
    """`key`, or its `_kept` form where the answers keep the finding above the measurement."""
    return f"{key}_kept" if findings.kept_above_measured(fault) else key


def _measured(
    context: HipContext,
    key: str,
    findings: Findings,
    fault: str,
    zone: dt.tzinfo,
    **more: object,
) -> str:
    """A card line of what video measured. Every part is the knowledge base's own HTML
    (level, fault name, step titles) or a formatted number or date: nothing a person
    typed, so nothing is escaped again (a title's `&amp;` would show as such)."""
    kb, lang = context.kb, context.lang
    measured = findings.measured[fault]
    if findings.kept_above_measured(fault):
        more["steps"] = _by_eye_titles(kb, fault, lang)
    return kb.ui_text(
        key,
        lang,
        level=kb.ui_text(f"level_{_level(findings, fault, measured)}", lang),
        degrees=i18n.number(measured.degrees, lang, 1),
        date=i18n.format_local_date(measured.measured_at, zone, lang),
        **more,
    )


def card_line(context: HipContext, form: MeasuredForm | None, zone: dt.tzinfo) -> str | None:
    """One line for the card, or None when the athlete never had a clip measured for form."""
    if form is None:
        return None
    lang = context.lang
    figures: list[str] = []
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
