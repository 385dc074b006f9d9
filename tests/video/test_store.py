"""Stored figures: the latest measured form, its levels, the coach's card, /export and /delete."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

import pytest

from bot.context import HipContext
from bot.handlers.console import card_text
from coaching import coaches, console
from coaching.coach_models import GroupMembership
from coaching.coaches import Role
from coaching.console import AthleteCard
from coaching.db import Database
from coaching.models import Athlete, SelftestResult
from coaching.privacy import export
from coaching.privacy.erase import erase
from coaching.video import FormMeasure, measure, measured_form, measured_levels, save_video
from knowledge import KnowledgeBase, get_knowledge
from tests.video.synthetic import GUIDANCE, Runner

NOW = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)
ATHLETE = 31
KB = get_knowledge()
COACH = 1


def athlete() -> Athlete:
    return Athlete(
        id=ATHLETE,
        first_name="Ann",
        consent_at=NOW - dt.timedelta(days=9),
        onboarded_at=NOW - dt.timedelta(days=9),
        timezone="Europe/Helsinki",
    )


SIDE = measure(Runner(reach=0.2).track(), GUIDANCE)
REAR = measure(Runner(view="rear", standing_s=2.0, seconds=12.0, drop_left=9.0).track(), GUIDANCE)


async def test_the_latest_measured_form_takes_each_figure_from_its_own_view(
    db: Database,
) -> None:
    async with db.transaction() as session:
        session.add(athlete())
        await session.flush()
        assert await measured_form(session, ATHLETE) is None
        assert measured_levels(KB, None) == {}
        await save_video(session, ATHLETE, REAR, NOW - dt.timedelta(days=2))
        await save_video(session, ATHLETE, SIDE, NOW)
        form = await measured_form(session, ATHLETE)
    assert form is not None
    assert form.overstride_legs == pytest.approx(0.2, abs=0.02)
    assert form.pelvic_left_deg == pytest.approx(9.0, abs=1.2)
    assert form.pelvic_at == NOW - dt.timedelta(days=2) and form.overstride_at == NOW
    assert form.cadence_spm == pytest.approx(170, abs=2)
    measured = measured_levels(KB, form)
    assert list(measured) == ["hip_drop"] and measured["hip_drop"].level == "marked"
    assert measured["hip_drop"].measured_at == NOW - dt.timedelta(days=2)


def test_pelvic_levels_are_the_knowledge_base_bands() -> None:
    bands = KB.video.pelvic_levels
    assert (bands.mild_deg, bands.marked_deg) == (5.0, 8.0)
    assert [bands.level(d) for d in (2.0, 5.0, 7.9, 8.0)] == ["none", "mild", "mild", "marked"]


async def coach_card(
    db: Database, clip: FormMeasure, answers: dict[str, str]
) -> tuple[AthleteCard | None, str]:
    """The coach's card of a group member with this clip and this self-test, and its text."""
    async with db.transaction() as session:
        role = await coaches.authorise(session, {COACH}, COACH)
        assert isinstance(role, Role)
        group = await coaches.create_group(session, role, "Track", NOW - dt.timedelta(days=30))
        session.add(athlete())
        await session.flush()
        session.add(
            GroupMembership(group_id=group.id, athlete_id=ATHLETE, consent_at=NOW, joined_at=NOW)
        )
        await save_video(session, ATHLETE, clip, NOW)
        session.add(
            SelftestResult(
                athlete_id=ATHLETE,
                created_at=NOW - dt.timedelta(days=3),
                content_version=KB.version,
                answers=answers,
                scores={},
                findings={},
                retest_due_at=NOW,
            )
        )
    async with db.transaction() as session:
        card = await console.card(session, role, ATHLETE, NOW)
    if card is None:
        return None, ""
    return card, card_text(cast(HipContext, Coach(KB, "en")), card, dt.UTC)


def all_fine_by_eye() -> dict[str, str]:
    return {step.id: step.options[0].id for step in KB.selftest.steps}


async def test_the_coach_card_shows_the_measured_form(db: Database) -> None:
    card, text = await coach_card(db, REAR, all_fine_by_eye())
    assert card is not None and card.video is not None
    assert card.video.pelvic_more_on == "left"
    name = KB.faults["hip_drop"].name["en"]
    assert f"• {name}: <b>marked</b>, measured from video (8." in text  # fine by eye
    assert "pelvic drop L 8." in text


async def test_the_coach_card_keeps_a_knee_collapse_seen_by_eye_over_a_small_drop(
    db: Database,
) -> None:
    """Video measures the pelvis: knees seen caving keep the card's finding at mild."""
    small = measure(
        Runner(view="rear", standing_s=2.0, seconds=12.0, drop_left=3.0).track(), GUIDANCE
    )
    answers = all_fine_by_eye()
    answers["knees_inward"] = "clearly"
    card, text = await coach_card(db, small, answers)
    assert card is not None
    assert "now <b>mild</b>: measured from video" in text, text
    assert "kept up by the answer at “Knees on landing”" in text


@dataclass
class Coach:
    """What the card's text asks of the context."""

    kb: KnowledgeBase
    lang: str

    def t(self, key: str, **params: object) -> str:
        return self.kb.ui_text(key, self.lang, **params)


async def test_export_has_the_figures_and_delete_erases_them(db: Database) -> None:
    async with db.transaction() as session:
        session.add(athlete())
        await session.flush()
        await save_video(session, ATHLETE, SIDE, NOW)
    async with db.transaction() as session:
        exported = await export(session, ATHLETE, NOW)
    assert exported is not None
    [row] = exported["tables"]["video_analysis"]
    assert row["steps"] == SIDE.steps and row["view"] == "side"
    async with db.transaction() as session:
        assert await erase(session, ATHLETE, NOW)
    async with db.transaction() as session:
        assert await measured_form(session, ATHLETE) is None
