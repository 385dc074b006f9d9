"""A measured value outranks a by-eye answer: `with_measured`, and how it is said."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from bot.context import HipContext
from bot.handlers.cards import plan_view
from bot.handlers.video_card import card_line, finding_notes, plan_note, trend_lines
from bot.render import ui
from coaching.scoring import UNTESTED, assess
from coaching.video import MeasuredForm, with_measured
from coaching.video.findings import PELVIC_TESTS
from knowledge import KnowledgeBase
from knowledge.render import CARD_LIMIT, render_summary
from knowledge.schema import text_for
from knowledge.telegram_text import telegram_length

MEASURED = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
SIDE_AT = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC)


def form(**values: object) -> MeasuredForm:
    fields: dict[str, object] = dict.fromkeys(MeasuredForm.__dataclass_fields__)
    fields.update(values)
    return MeasuredForm(**fields)  # type: ignore[arg-type]


def rear(left: float, right: float) -> MeasuredForm:
    return form(pelvic_left_deg=left, pelvic_right_deg=right, pelvic_at=MEASURED)


def good(kb: KnowledgeBase, **picks: str) -> dict[str, str]:
    """Every step answered with its best option, except `picks`."""
    answers = {
        s.id: min(s.options, key=lambda o: sum(o.scores.values())).id for s in kb.selftest.steps
    }
    answers.update(picks)
    return answers


def test_nothing_measured_leaves_the_answers_findings(kb: KnowledgeBase) -> None:
    found = assess(kb, good(kb, pelvis_dip="clearly"))
    for nothing in (None, form(cadence_spm=172.0)):
        findings = with_measured(kb, found, nothing)
        assert findings.found is found and not findings.measured and findings.stride is None


def test_a_measured_drop_replaces_the_by_eye_hip_drop(kb: KnowledgeBase) -> None:
    by_eye = assess(kb, good(kb))  # "no, it stays level"
    assert by_eye.levels["hip_drop"] == "none"
    findings = with_measured(kb, by_eye, rear(9.1, 4.0))
    assert findings.found is not None
    assert findings.found.levels["hip_drop"] == "marked"  # the larger side, over 8°
    assert findings.measured["hip_drop"].degrees == 9.1
    assert findings.measured["hip_drop"].measured_at == MEASURED
    others = {f: lvl for f, lvl in findings.found.levels.items() if f != "hip_drop"}
    assert others == {f: lvl for f, lvl in by_eye.levels.items() if f != "hip_drop"}
    dip_by_eye = assess(kb, good(kb, pelvis_dip="clearly"))
    assert dip_by_eye.levels["hip_drop"] == "mild"
    calmer = with_measured(kb, dip_by_eye, rear(3.0, 2.5)).found
    assert calmer is not None and calmer.levels["hip_drop"] == "none"


def test_a_measured_pelvis_keeps_a_knee_collapse_seen_by_eye(kb: KnowledgeBase) -> None:
    """Video measures the pelvis, not the knees: the finding is the higher of the
    measured level and what the knees-inward answer alone says."""

    def level(measured: MeasuredForm, **picks: str) -> str:
        found = with_measured(kb, assess(kb, good(kb, **picks)), measured).found
        assert found is not None
        return found.levels["hip_drop"]

    knees = {"pelvis_dip": "clearly", "knees_inward": "clearly"}
    assert assess(kb, good(kb, **knees)).levels["hip_drop"] == "marked"
    assert level(rear(3.0, 2.5), **knees) == "mild"  # the pelvis part replaced, the knees kept
    assert level(rear(3.0, 2.5), knees_inward="clearly") == "mild"
    assert level(rear(6.0, 2.5), knees_inward="clearly") == "mild"
    assert level(rear(9.1, 2.5), knees_inward="clearly") == "marked"  # measured is higher
    assert level(rear(9.1, 2.5), knees_inward="stable") == "marked"
    assert level(rear(3.0, 2.5), knees_inward="sometimes") == "none"  # a little: no finding alone
    assert level(rear(3.0, 2.5), knees_inward="skip") == "none"
    findings = with_measured(kb, assess(kb, good(kb, **knees)), rear(3.0, 2.5))
    assert findings.measured["hip_drop"].level == "none"  # what video says of the pelvis


def test_the_pelvic_tests_are_the_content_s_hip_drop_mirror_steps(kb: KnowledgeBase) -> None:
    """What video replaces is named by the content's test tags: they must still be there."""
    pelvic = [s.id for s in kb.selftest.steps if s.test in PELVIC_TESTS]
    assert pelvic == ["pelvis_dip"]
    assert all("hip_drop" in kb.selftest.step(step).tested_faults() for step in pelvic)


def test_a_measured_drop_is_a_finding_without_a_test_or_its_answer(kb: KnowledgeBase) -> None:
    findings = with_measured(kb, None, rear(6.0, 5.5))
    assert findings.found is not None and findings.found.enough
    assert findings.found.levels["hip_drop"] == "mild"
    assert findings.found.levels["overstriding"] == UNTESTED
    skipped = assess(kb, good(kb, pelvis_dip="skip", knees_inward="skip"))
    assert skipped.levels["hip_drop"] == UNTESTED and skipped.missing["hip_drop"]
    filled = with_measured(kb, skipped, rear(6.0, 5.5)).found
    assert filled is not None
    assert filled.levels["hip_drop"] == "mild" and filled.missing["hip_drop"] == []


def test_the_bands_are_the_knowledge_base_s(kb: KnowledgeBase) -> None:
    stricter = kb.model_copy(
        update={
            "video": kb.video.model_copy(
                update={
                    "pelvic_levels": kb.video.pelvic_levels.model_copy(
                        update={"mild_deg": 3.0, "marked_deg": 4.0}
                    )
                }
            )
        }
    )
    found = with_measured(stricter, None, rear(4.5, 1.0)).found
    assert found is not None and found.levels["hip_drop"] == "marked"


def test_overstride_is_a_figure_beside_the_finding_never_a_level(kb: KnowledgeBase) -> None:
    by_eye = assess(kb, good(kb))
    side = form(overstride_legs=0.31, shin_deg=9.0, overstride_at=SIDE_AT)
    findings = with_measured(kb, by_eye, side)
    assert findings.found is by_eye and not findings.measured
    assert findings.stride is not None and findings.stride.leg_lengths == 0.31


def test_a_measured_finding_is_not_compared_with_an_eye(kb: KnowledgeBase) -> None:
    findings = with_measured(kb, assess(kb, good(kb)), rear(9.0, 4.0))
    assert findings.unmeasured({"hip_drop": 1, "overstriding": 0}) == {"overstriding": 0}


def test_the_summary_says_what_was_measured_and_when(kb: KnowledgeBase) -> None:
    both = form(
        pelvic_left_deg=9.1,
        pelvic_right_deg=4.0,
        pelvic_at=MEASURED,
        overstride_legs=0.31,
        shin_deg=9.0,
        overstride_at=SIDE_AT,
    )
    findings = with_measured(kb, assess(kb, good(kb)), both)
    assert findings.found is not None
    for lang, measured, stride in (
        ("en", "Measured from your video of Nov 20, 2026: your pelvis drops 9.1°", "0.31 leg"),
        ("fi", "Mitattu videoltasi 20.11.2026: lantiosi painuu 9,1°", "0,31 jalan"),
    ):
        notes = finding_notes(kb, lang, findings, dt.UTC)
        text = render_summary(
            kb, findings.found.levels, findings.found.missing, {}, {}, lang, notes
        )
        hip = text_for(kb.faults["hip_drop"].name, lang)
        level = kb.ui_text("level_marked", lang)
        block = text.split(f"<b>{hip}</b> ({level})")[1].split("\n\n")[0]
        assert measured in block
        overstriding = text.split(f"<b>{text_for(kb.faults['overstriding'].name, lang)}</b>")[1]
        assert stride in overstriding.split("\n\n")[0]


def test_the_summary_and_plan_say_when_the_knees_kept_the_level_above_the_video(
    kb: KnowledgeBase,
) -> None:
    """A calm measured pelvis under a knee collapse seen by eye: the level shown is the
    knees' answer, and the athlete is told so rather than left to wonder."""
    kept = with_measured(kb, assess(kb, good(kb, knees_inward="clearly")), rear(3.0, 2.5))
    measured_only = with_measured(kb, assess(kb, good(kb)), rear(9.1, 4.0))
    assert kept.found is not None and kept.measured["hip_drop"].level == "none"
    assert kept.found.levels["hip_drop"] != "none"
    assert kept.kept_above_measured("hip_drop")
    assert not measured_only.kept_above_measured("hip_drop")
    for lang in kb.languages:
        steps = text_for(kb.selftest.step("knees_inward").title, lang)
        kept_line = kb.ui_text("finding_kept_hip_drop", lang, steps=steps)
        assert kept_line in finding_notes(kb, lang, kept, dt.UTC)["hip_drop"]
        assert kept_line not in finding_notes(kb, lang, measured_only, dt.UTC)["hip_drop"]
        assert plan_note(kb, lang, kept, dt.UTC) != plan_note(kb, lang, measured_only, dt.UTC)
    assert "Knees on landing" in plan_note(kb, "en", kept, dt.UTC)
    assert "Knees on landing" not in plan_note(kb, "en", measured_only, dt.UTC)


def test_the_plan_says_video_measured_it_or_can(kb: KnowledgeBase) -> None:
    unmeasured = with_measured(kb, assess(kb, good(kb, pelvis_dip="clearly")), None)
    measured = with_measured(kb, assess(kb, good(kb)), rear(9.1, 4.0))
    for lang in kb.languages:
        offered, _ = plan_view(kb, lang, unmeasured, False, dt.UTC)
        assert "/video" in offered and kb.ui_text("plan_video", lang) in offered
        said, _ = plan_view(kb, lang, measured, False, dt.UTC)
        assert plan_note(kb, lang, measured, dt.UTC) in said and "/video" in said
        assert telegram_length(said) <= CARD_LIMIT
        nothing, _ = plan_view(kb, lang, with_measured(kb, None, None), False, dt.UTC)
        assert kb.ui_text("plan_none", lang) in nothing and "/video" in nothing
    hip_drop_advice = "Your hip stabilisers likely need work"
    assert hip_drop_advice in plan_view(kb, "en", measured, False)[0]  # planned from the video
    assert "Nov 20, 2026" in plan_view(kb, "en", measured, False, dt.UTC)[0]


@dataclass
class Speaker:
    kb: KnowledgeBase
    lang: str

    def t(self, key: str, **params: object) -> str:
        return ui(self.kb, self.lang, key, **params)  # escaped, as `HipContext.t` does


def test_the_coach_card_puts_the_measured_finding_over_the_by_eye_trend(
    kb: KnowledgeBase,
) -> None:
    english = cast(HipContext, Speaker(kb, "en"))
    measured = with_measured(kb, None, rear(9.1, 4.0))
    by_eye = {"hip_drop": "• Hip drop: fine → fine (same)", "overstriding": "• Overstriding: mild"}
    lines = trend_lines(english, measured, by_eye, dt.UTC)
    assert lines[0] == (
        "• Hip drop: fine → fine (same) → now <b>marked</b>, measured from video "
        "(9.1°, Nov 20, 2026), which counts over the answers"
    )
    assert lines[1] == "• Overstriding: mild"
    assert trend_lines(english, with_measured(kb, None, None), by_eye, dt.UTC) == list(
        by_eye.values()
    )
    alone = trend_lines(cast(HipContext, Speaker(kb, "fi")), measured, {}, dt.UTC)
    name = text_for(kb.faults["hip_drop"].name, "fi")
    assert alone == [f"• {name}: <b>selvä</b>, mitattu videolta (9,1°, 20.11.2026)"]
    figures = card_line(english, rear(9.1, 4.0), dt.UTC)
    assert figures is not None and "pelvic drop L 9.1° / R 4.0°" in figures


def test_the_coach_card_says_when_the_knees_keep_the_level_above_the_video(
    kb: KnowledgeBase,
) -> None:
    kept = with_measured(kb, assess(kb, good(kb, knees_inward="clearly")), rear(3.0, 2.5))
    assert kept.found is not None
    level = kb.ui_text(f"level_{kept.found.levels['hip_drop']}", "en")
    by_eye = {"hip_drop": "• Hip drop: mild → mild (same)"}
    [line] = trend_lines(cast(HipContext, Speaker(kb, "en")), kept, by_eye, dt.UTC)
    assert line == (
        f"• Hip drop: mild → mild (same) → now <b>{level}</b>: measured from video "
        "(3.0°, Nov 20, 2026), kept up by the answer at “Knees on landing”"
    )
    for lang in kb.languages:
        [alone] = trend_lines(cast(HipContext, Speaker(kb, lang)), kept, {}, dt.UTC)
        steps = text_for(kb.selftest.step("knees_inward").title, lang)
        assert steps in alone


def test_the_coach_card_shows_the_knowledge_bases_html_as_written(kb: KnowledgeBase) -> None:
    """Step titles and fault names are the coach's HTML: a title's `&amp;` reaches
    Telegram once escaped (it shows "&"), not escaped again (it would show "&amp;")."""
    edited = kb.model_copy(deep=True)
    edited.selftest.step("knees_inward").title["en"] = "Knees &amp; landing"
    edited.faults["hip_drop"].name["en"] = "Hip drop &amp; sway"
    kept = with_measured(edited, assess(edited, good(edited, knees_inward="clearly")), rear(3, 2))
    speaker = cast(HipContext, Speaker(edited, "en"))
    [line] = trend_lines(speaker, kept, {"hip_drop": "• Hip drop"}, dt.UTC)
    [alone] = trend_lines(speaker, kept, {}, dt.UTC)
    for said in (line, alone):
        assert "Knees &amp; landing" in said and "&amp;amp;" not in said
    assert alone.startswith("• Hip drop &amp; sway:")
