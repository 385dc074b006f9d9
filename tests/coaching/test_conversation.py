"""/cancel and consent withdrawal as use cases: exactly the chat's question, and its flow."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from coaching import broadcasts, consent, conversation, onboarding, pending, selftest
from coaching.coach_models import BroadcastDraft, Coach
from coaching.coaches import Role
from coaching.consent import Origin
from coaching.db import Database
from coaching.models import Athlete, SelftestResult
from coaching.onboarding import Step
from coaching.pending import Kind
from knowledge import KnowledgeBase
from tests.athletes import add_athlete

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
ANN = 8001


async def test_nothing_to_cancel(db: Database) -> None:
    async with db.transaction() as session:
        assert await conversation.cancel(session, ANN, NOW) is None


async def test_cancelling_the_self_test_cancels_its_session(
    db: Database, kb: KnowledgeBase
) -> None:
    await add_athlete(db, ANN, NOW)
    async with db.transaction() as session:
        athlete = await session.get(Athlete, ANN)
        assert athlete is not None
        sel = await selftest.start(session, athlete, kb, NOW)
        await pending.ask(session, ANN, Kind.SELFTEST, NOW, ref_id=sel.id, message_id=12)
    async with db.transaction() as session:
        cancelled = await conversation.cancel(session, ANN, NOW)
        assert cancelled is not None
        assert (cancelled.kind, cancelled.message_id) == (Kind.SELFTEST, 12)
        assert await selftest.active_session(session, ANN) is None


async def test_cancelling_a_draft_discards_it_and_only_it(db: Database) -> None:
    role = Role(user_id=ANN, admin=True)
    async with db.transaction() as session:
        session.add(Coach(user_id=ANN, via="admin", created_at=NOW))
        await session.flush()
        draft = await broadcasts.start_draft(session, role, NOW)
        await pending.ask(session, ANN, Kind.BROADCAST, NOW, ref_id=draft.id)
    async with db.transaction() as session:
        cancelled = await conversation.cancel(session, ANN, NOW)
        assert cancelled is not None and cancelled.kind is Kind.BROADCAST
        left = await session.scalar(select(func.count()).select_from(BroadcastDraft))
    assert left == 0


async def test_cancelling_a_review_keeps_the_answers_and_a_new_athlete_keeps_their_place(
    db: Database,
) -> None:
    await add_athlete(db, ANN, NOW)
    async with db.transaction() as session:
        athlete = await session.get(Athlete, ANN)
        assert athlete is not None
        onboarding.review(athlete)
        await pending.ask(session, ANN, Kind.ONBOARDING, NOW, step="tz")
    async with db.transaction() as session:
        cancelled = await conversation.cancel(session, ANN, NOW)
        assert cancelled is not None and cancelled.onboarded
        athlete = await session.get(Athlete, ANN)
        assert athlete is not None and onboarding.is_onboarded(athlete)


async def _with_results(db: Database, count: int) -> None:
    await add_athlete(db, ANN, NOW)
    async with db.transaction() as session:
        for index in range(count):
            session.add(
                SelftestResult(
                    athlete_id=ANN,
                    created_at=NOW - dt.timedelta(days=index + 1),
                    content_version="t",
                    answers={},
                    scores={},
                    findings={},
                    retest_due_at=NOW,
                )
            )


async def test_withdrawal_counts_what_goes_and_erases_only_on_yes(db: Database) -> None:
    await _with_results(db, 3)
    async with db.transaction() as session:
        athlete = await session.get(Athlete, ANN)
        assert athlete is not None
        asked = await consent.ask_withdrawal(session, athlete, Origin.SETTINGS, NOW)
        assert asked is not None and asked.question is not None
        assert (asked.erasable.results, asked.erasable.checkins) == (3, 0)
        question_id = asked.question.id
    async with db.transaction() as session:  # an old button for another question: nothing
        athlete = await session.get(Athlete, ANN)
        assert athlete is not None
        assert await consent.decide(session, athlete, question_id + 1, erase=True, now=NOW) is None
        assert len(await selftest.results(session, ANN)) == 3
        decided = await consent.decide(session, athlete, question_id, erase=True, now=NOW)
        assert decided is not None and decided.erased and decided.origin is Origin.SETTINGS
    async with db.transaction() as session:
        athlete = await session.get(Athlete, ANN)
        assert athlete is not None and athlete.consent_at is None
        assert await selftest.results(session, ANN) == []
        assert await pending.current(session, ANN) is None


async def test_keeping_consent_on_the_consent_question_goes_on_with_onboarding(
    db: Database,
) -> None:
    await _with_results(db, 1)
    async with db.transaction() as session:
        athlete = await session.get(Athlete, ANN)
        assert athlete is not None
        athlete.onboarding_step = Step.CONSENT  # back at the question while changing answers
        asked = await consent.ask_withdrawal(session, athlete, Origin.ONBOARDING, NOW)
        assert asked is not None and asked.question is not None
        decided = await consent.decide(session, athlete, asked.question.id, erase=False, now=NOW)
        assert decided is not None and decided.next_step is Step.TIMEZONE
        assert athlete.consent_at is not None
        assert len(await selftest.results(session, ANN)) == 1


async def test_with_nothing_stored_consent_goes_at_once(db: Database) -> None:
    await add_athlete(db, ANN, NOW)
    async with db.transaction() as session:
        athlete = await session.get(Athlete, ANN)
        assert athlete is not None
        asked = await consent.ask_withdrawal(session, athlete, Origin.SETTINGS, NOW)
        assert asked is not None and asked.question is None and asked.erasable.nothing
        assert athlete.consent_at is None
        assert await consent.ask_withdrawal(session, athlete, Origin.SETTINGS, NOW) is None
