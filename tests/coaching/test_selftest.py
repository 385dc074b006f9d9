"""Every transition of the self-test state machine, and the scoring rules."""

from __future__ import annotations

import datetime as dt

import pytest

from coaching import selftest
from coaching.db import Database
from coaching.models import Athlete, SelftestSession
from coaching.plan import PRERUN_ROUTINE, build_plan
from coaching.scoring import SKIPPED, findings, score, trend
from coaching.selftest import Action, NoConsent, StaleStep, Status
from knowledge import KnowledgeBase
from knowledge.schema import FAULT_IDS, Level, SelfTestStep

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def new_session(kb: KnowledgeBase, athlete_id: int = 1) -> SelftestSession:
    return SelftestSession(
        id=10,
        athlete_id=athlete_id,
        status=Status.ACTIVE,
        step_index=0,
        answers={},
        content_version=kb.version,
        started_at=NOW,
        updated_at=NOW,
    )


def snapshot(sel: SelftestSession) -> tuple[object, ...]:
    return sel.status, sel.step_index, dict(sel.answers)


def best_option(step: SelfTestStep) -> str:
    return str(min(step.options, key=lambda o: sum(o.scores.values())).id)


def worst_option(step: SelfTestStep) -> str:
    return str(max(step.options, key=lambda o: sum(o.scores.values())).id)


def test_answering_an_option_stores_it_and_moves_on(kb: KnowledgeBase) -> None:
    sel = new_session(kb)
    first, second = kb.selftest.steps[0], kb.selftest.steps[1]
    nxt = selftest.answer(kb, sel, 1, 0, first.options[0].id, NOW)
    assert nxt == second
    assert sel.step_index == 1 and sel.answers == {first.id: first.options[0].id}


def test_skip_records_a_skip_and_moves_on(kb: KnowledgeBase) -> None:
    sel = new_session(kb)
    selftest.answer(kb, sel, 1, 0, Action.SKIP, NOW)
    assert sel.answers == {kb.selftest.steps[0].id: SKIPPED} and sel.step_index == 1


def test_back_returns_one_step_and_keeps_the_earlier_answer(kb: KnowledgeBase) -> None:
    sel = new_session(kb)
    first = kb.selftest.steps[0]
    selftest.answer(kb, sel, 1, 0, first.options[1].id, NOW)
    assert selftest.answer(kb, sel, 1, 1, Action.BACK, NOW) == first
    assert sel.step_index == 0 and sel.answers[first.id] == first.options[1].id
    selftest.answer(kb, sel, 1, 0, first.options[0].id, NOW)
    assert sel.answers[first.id] == first.options[0].id


def test_back_on_the_first_step_stays_there(kb: KnowledgeBase) -> None:
    sel = new_session(kb)
    assert selftest.answer(kb, sel, 1, 0, Action.BACK, NOW) == kb.selftest.steps[0]
    assert sel.step_index == 0


def test_cancel_ends_the_session(kb: KnowledgeBase) -> None:
    sel = new_session(kb)
    assert selftest.answer(kb, sel, 1, 0, Action.CANCEL, NOW) is None
    assert sel.status == Status.CANCELLED
    with pytest.raises(StaleStep):
        selftest.answer(kb, sel, 1, 0, kb.selftest.steps[0].options[0].id, NOW)


def test_last_answer_finishes(kb: KnowledgeBase) -> None:
    sel = new_session(kb)
    for index, step in enumerate(kb.selftest.steps):
        result = selftest.answer(kb, sel, 1, index, step.options[0].id, NOW)
    assert result is None and sel.status == Status.ACTIVE
    assert selftest.current_step(kb, sel) is None


@pytest.mark.parametrize(
    "case",
    [
        "old_step",
        "future_step",
        "double_tap",
        "unknown_option",
        "other_athlete",
        "option_of_other_step",
        "empty",
        "finished",
    ],
)
def test_stale_forged_and_foreign_answers_change_nothing(kb: KnowledgeBase, case: str) -> None:
    sel = new_session(kb)
    steps = kb.selftest.steps
    selftest.answer(kb, sel, 1, 0, steps[0].options[0].id, NOW)
    athlete, index, choice = 1, 1, steps[1].options[0].id
    if case == "old_step":
        index, choice = 0, steps[0].options[1].id
    elif case == "future_step":
        index = 2
    elif case == "double_tap":
        index, choice = 0, steps[0].options[0].id
    elif case == "unknown_option":
        choice = "nonsense"
    elif case == "other_athlete":
        athlete = 2
    elif case == "option_of_other_step":
        foreign = {o.id for o in steps[2].options} - {o.id for o in steps[1].options}
        choice = sorted(foreign)[0] if foreign else "zzz"
    elif case == "empty":
        choice = ""
    elif case == "finished":
        sel.status = Status.COMPLETED
    before = snapshot(sel)
    with pytest.raises(StaleStep):
        selftest.answer(kb, sel, athlete, index, choice, NOW)
    assert snapshot(sel) == before


def test_all_good_answers_find_nothing_and_all_bad_find_marked(kb: KnowledgeBase) -> None:
    good = {s.id: best_option(s) for s in kb.selftest.steps}
    bad = {s.id: worst_option(s) for s in kb.selftest.steps}
    assert set(findings(kb, score(kb.selftest, good)).values()) == {"none"}
    assert set(findings(kb, score(kb.selftest, bad)).values()) == {"marked"}


def test_skipped_and_unknown_answers_score_nothing(kb: KnowledgeBase) -> None:
    answers = {s.id: SKIPPED for s in kb.selftest.steps} | {"gone_step": "x"}
    assert score(kb.selftest, answers) == dict.fromkeys(FAULT_IDS, 0)


def test_scores_add_up_option_points(kb: KnowledgeBase) -> None:
    step = next(s for s in kb.selftest.steps if any(o.scores for o in s.options))
    option = max(step.options, key=lambda o: sum(o.scores.values()))
    totals = score(kb.selftest, {step.id: option.id})
    for fault in FAULT_IDS:
        assert totals[fault] == option.scores.get(fault, 0)


@pytest.mark.parametrize(
    ("fault_score_offset", "level"), [(-1, "none"), (0, "mild"), (None, "marked")]
)
def test_thresholds(kb: KnowledgeBase, fault_score_offset: int | None, level: str) -> None:
    for fault in kb.faults.values():
        value = (
            fault.marked_at if fault_score_offset is None else fault.mild_at + fault_score_offset
        )
        assert fault.level(value) == level


def test_trend() -> None:
    assert trend("marked", "mild") == -1
    assert trend("mild", "mild") == 0
    assert trend("none", "marked") == 1


def test_plan_always_has_activation_and_strength_and_targets_findings(kb: KnowledgeBase) -> None:
    nothing: dict[str, Level] = {str(fault): "none" for fault in FAULT_IDS}
    everything: dict[str, Level] = {str(fault): "marked" for fault in FAULT_IDS}
    clean = build_plan(kb, nothing, triathlete=False)
    assert clean.routines[0] == PRERUN_ROUTINE
    assert clean.strength_sessions
    marked = build_plan(kb, everything, triathlete=True)
    assert set(marked.exercises) > set(clean.exercises)
    assert len(marked.advice) > len(clean.advice)


async def test_start_requires_consent_and_restart_cancels_the_old_session(
    db: Database, kb: KnowledgeBase
) -> None:
    async with db.transaction() as session:
        athlete = Athlete(id=5, first_name="Bo", language="en", run_days_mask=0, active=True)
        session.add(athlete)
        await session.flush()
        with pytest.raises(NoConsent):
            await selftest.start(session, athlete, kb, NOW)
        athlete.consent_at = NOW
        first = await selftest.start(session, athlete, kb, NOW)
        second = await selftest.start(session, athlete, kb, NOW)
        assert first.status == Status.CANCELLED and second.status == Status.ACTIVE
        assert (await selftest.active_session(session, 5)) is second


async def test_complete_stores_findings_version_and_retest_date(
    db: Database, kb: KnowledgeBase
) -> None:
    async with db.transaction() as session:
        athlete = Athlete(
            id=6, first_name="Cy", language="en", run_days_mask=0, active=True, consent_at=NOW
        )
        session.add(athlete)
        await session.flush()
        sel = await selftest.start(session, athlete, kb, NOW)
        with pytest.raises(StaleStep):
            selftest.complete(session, kb, sel, NOW)  # not finished yet
        for index, step in enumerate(kb.selftest.steps):
            selftest.answer(kb, sel, 6, index, worst_option(step), NOW)
        result = selftest.complete(session, kb, sel, NOW)
    async with db.transaction() as session:
        [stored] = await selftest.results(session, 6)
        assert stored.id == result.id
        assert stored.content_version == kb.version
        assert set(stored.findings.values()) == {"marked"}
        assert stored.retest_due_at == NOW + dt.timedelta(weeks=4)
        assert await selftest.active_session(session, 6) is None


async def started_session(db: Database, kb: KnowledgeBase, athlete_id: int) -> int:
    async with db.transaction() as session:
        athlete = Athlete(
            id=athlete_id, first_name="Di", language="en", run_days_mask=0, consent_at=NOW
        )
        session.add(athlete)
        await session.flush()
        return (await selftest.start(session, athlete, kb, NOW)).id


async def test_an_answer_brings_the_session_the_transaction_holds_up_to_date(
    db: Database, kb: KnowledgeBase
) -> None:
    """Typed answers read the session first: the answer's UPDATE updates that object."""
    session_id = await started_session(db, kb, 7)
    first = kb.selftest.steps[0]
    async with db.transaction() as session:
        held = await selftest.active_session(session, 7)
        answered = await selftest.take_answer(
            session, kb, 7, session_id, 0, first.options[0].id, NOW
        )
        assert answered.session is held
        assert held is not None and held.step_index == 1
        assert held.answers == {first.id: first.options[0].id}


async def test_the_answered_session_is_the_transactions_own(
    db: Database, kb: KnowledgeBase
) -> None:
    """A change to the session an answer hands back is stored like any other, and the
    version it carries is the stored one (a stale version would fail the write)."""
    session_id = await started_session(db, kb, 8)
    first = kb.selftest.steps[0]
    async with db.transaction() as session:
        answered = await selftest.take_answer(
            session, kb, 8, session_id, 0, first.options[0].id, NOW
        )
        selftest.cancel(answered.session, NOW)
    async with db.transaction() as session:
        stored = await session.get(SelftestSession, session_id)
    assert stored is not None
    assert (stored.status, stored.step_index, stored.version) == (Status.CANCELLED, 1, 3)
