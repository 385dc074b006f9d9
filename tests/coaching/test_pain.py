"""The pain triage: outcomes from the content's thresholds and red flags, stored with consent."""

from __future__ import annotations

import datetime as dt

import pytest

from coaching import pain
from coaching.db import Database
from coaching.models import Athlete
from coaching.pain import DIGITS, InvalidTriage
from knowledge import KnowledgeBase
from knowledge.schema import PainTriage
from tests.athletes import add_athlete

NOW = dt.datetime(2026, 3, 8, 9, tzinfo=dt.UTC)


def picks(triage: PainTriage, score: int, **answers: str) -> list[int]:
    """A complete triage: the knee, `score`, and every other answer its first (calm) option
    unless named in `answers` (question id → option id)."""
    picked = []
    for question in triage.questions:
        if question.id == "score":
            picked.append(score)
        elif question.id == "area":
            picked.append([o.id for o in question.options].index("knee"))
        else:
            wanted = answers.get(question.id, question.options[0].id)
            picked.append([o.id for o in question.options].index(wanted))
    return picked


def encoded(picked: list[int]) -> str:
    return "".join(DIGITS[p] for p in picked)


@pytest.mark.parametrize(
    ("score", "flags", "outcome"),
    [
        (2, {}, "keep_going"),
        (0, {}, "keep_going"),
        (4, {}, "rest_retest"),
        (6, {}, "rest_retest"),
        (7, {}, "see_professional"),
        (2, {"quality": "sharp"}, "see_professional"),
        (1, {"worse": "yes"}, "see_professional"),
        (1, {"numb": "yes"}, "see_professional"),
        (1, {"night": "yes"}, "see_professional"),
        (1, {"swelling": "yes"}, "see_professional"),
        (1, {"gait": "yes"}, "see_professional"),
    ],
)
def test_outcomes(kb: KnowledgeBase, score: int, flags: dict[str, str], outcome: str) -> None:
    found = pain.verdict(kb.pain, picks(kb.pain, score, **flags))
    assert found.outcome == outcome
    assert found.red_flag == (outcome == "see_professional")
    assert found.area == "knee"
    assert found.score == score


def test_red_flags_always_end_with_a_professional(kb: KnowledgeBase) -> None:
    for lang in kb.languages:
        text = kb.pain.outcomes["see_professional"][lang].lower()
        assert ("physiotherapist or doctor" in text) or ("fysioterapeutin tai lääkärin" in text)
    assert kb.pain.general_guidance


def test_answers_travel_as_one_character_each(kb: KnowledgeBase) -> None:
    picked = picks(kb.pain, 10, quality="sharp")
    assert pain.parse(kb.pain, encoded(picked)) == picked
    assert pain.next_question(kb.pain, picked) is None
    assert pain.next_question(kb.pain, picked[:1]) == kb.pain.question("score")


@pytest.mark.parametrize("bad", ["9", "0b", "1" + "0" * 8, "00000000000"])
def test_answers_the_content_never_offered_are_refused(kb: KnowledgeBase, bad: str) -> None:
    with pytest.raises(InvalidTriage):
        pain.parse(kb.pain, bad)


def test_an_incomplete_triage_has_no_verdict(kb: KnowledgeBase) -> None:
    with pytest.raises(InvalidTriage):
        pain.verdict(kb.pain, [1, 3])


async def test_a_red_flag_pauses_strength_nudges_for_seven_days(
    db: Database, kb: KnowledgeBase
) -> None:
    await add_athlete(db, 1, NOW)
    await add_athlete(db, 2, NOW)
    found = pain.verdict(kb.pain, picks(kb.pain, 3, numb="yes"))
    async with db.transaction() as session:
        athlete = await session.get(Athlete, 1)
        assert athlete is not None
        report = await pain.record(session, kb.pain, athlete, found, NOW)
        assert report is not None and report.paused_until == NOW + dt.timedelta(days=7)
        again = await pain.record(session, kb.pain, athlete, found, NOW + dt.timedelta(minutes=1))
        assert again is not None and again.id == report.id  # a double tap stores nothing new
    async with db.transaction() as session:
        later = NOW + dt.timedelta(days=6)
        assert await pain.strength_paused_until(session, 1, later) == report.paused_until
        assert await pain.strength_paused_until(session, 2, later) is None
        assert await pain.flagged(session, [1, 2], later) == {1}
        week_later = NOW + dt.timedelta(days=7, seconds=1)
        assert await pain.strength_paused_until(session, 1, week_later) is None
        assert await pain.flagged(session, [1, 2], week_later) == set()


async def test_mild_pain_pauses_nothing(db: Database, kb: KnowledgeBase) -> None:
    await add_athlete(db, 1, NOW)
    found = pain.verdict(kb.pain, picks(kb.pain, 5))
    async with db.transaction() as session:
        athlete = await session.get(Athlete, 1)
        assert athlete is not None
        report = await pain.record(session, kb.pain, athlete, found, NOW)
        assert report is not None and report.outcome == "rest_retest"
        assert report.paused_until is None
        assert await pain.strength_paused_until(session, 1, NOW) is None


async def test_without_consent_nothing_is_stored(db: Database, kb: KnowledgeBase) -> None:
    await add_athlete(db, 1, NOW)
    found = pain.verdict(kb.pain, picks(kb.pain, 9))
    async with db.transaction() as session:
        athlete = await session.get(Athlete, 1)
        assert athlete is not None
        athlete.consent_at = None
        assert await pain.record(session, kb.pain, athlete, found, NOW) is None
        assert await pain.flagged(session, [1], NOW) == set()
