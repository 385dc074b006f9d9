"""The conversation layer end to end: every question can be cancelled, corrected and answered.

The real bot, in this event loop, against the fake Bot API. Each test is one of
the flows the layer fixed: /cancel at every kind of question (it says what was
cancelled and the question's buttons go), typed text with nothing asked,
changing answers without losing results, consent prompts that carry their
button, Back and "no run days" in onboarding, time zones and times as people
type them, the /pause limit, the cadence step, /help for coaches, buttons that
always answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select
from telegram.ext import Application

from bot.settings import Settings
from coaching import pending, selftest
from coaching.coach_models import BroadcastDraft, TrainingGroup
from coaching.db import Database
from coaching.models import Athlete, SelftestResult, SelftestSession
from fakeapi import BotEvent, FakeBotApi, FakeUser
from knowledge import KnowledgeBase
from knowledge.schema import text_for
from tests.athletes import MON, WED, add_athlete
from tests.e2e.harness import has_button, running_bot, tap_when_shown
from tests.waits import eventually

COACH = 6900
UTC = dt.UTC


def settings() -> dict[str, Any]:
    values: dict[str, Any] = {
        "admin_ids": frozenset({COACH}),
        "plan_interval_seconds": 3600,
        "dispatch_interval_seconds": 600,
    }
    if "send_rate_limit" in Settings.model_fields:
        values["send_rate_limit"] = 0
    return values


@pytest.fixture
async def bot(api: FakeBotApi, database_url: str) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    async with running_bot(api, database_url, **settings()) as application:
        yield application


def t(kb: KnowledgeBase, key: str, **params: object) -> str:
    return kb.ui_text(key, "en", **params)


def head(kb: KnowledgeBase, key: str, **params: object) -> str:
    """The start of a text, before any HTML or placeholder, to wait for it."""
    text = t(kb, key, **params)
    return text.split("<", 1)[0][:40]


async def onboarded(db: Database, user_id: int, **kwargs: Any) -> None:
    await add_athlete(db, user_id, dt.datetime.now(UTC), **kwargs)


async def question_of(db: Database, chat_id: int) -> pending.PendingQuestion | None:
    async with db.transaction() as session:
        return await pending.current(session, chat_id)


async def buttons_gone(user: FakeUser, message_id: int) -> None:
    async def gone() -> bool:
        return not user.message(message_id).buttons

    await eventually(gone, f"message {message_id} to lose its buttons")


async def add_results(db: Database, athlete_id: int, count: int) -> None:
    now = dt.datetime.now(UTC)
    async with db.transaction() as session:
        for index in range(count):
            session.add(
                SelftestResult(
                    athlete_id=athlete_id,
                    created_at=now - dt.timedelta(days=30 * (count - index)),
                    content_version="test",
                    answers={},
                    scores={},
                    findings={"hip_drop": "mild"},
                    retest_due_at=now,
                )
            )


async def results_of(db: Database, athlete_id: int) -> int:
    async with db.transaction() as session:
        return len(await selftest.results(session, athlete_id))


async def athlete_of(db: Database, athlete_id: int) -> Athlete:
    async with db.transaction() as session:
        found = await session.get(Athlete, athlete_id)
    assert found is not None
    return found


async def cancel_and_check(user: FakeUser, db: Database, question: BotEvent, said: str) -> None:
    """/cancel says `said`, the question's buttons go, and the chat waits for nothing."""
    user.send_command("/cancel")
    await user.wait_message_async(contains=said)
    await buttons_gone(user, question.message_id)
    assert await question_of(db, user.user_id) is None


async def typed_text_is_not_an_answer(user: FakeUser, kb: KnowledgeBase, text: str) -> None:
    user.send_text(text)
    await user.wait_message_async(contains=t(kb, "stray_text")[:30])


# --------------------------------------------------------------------- /cancel


async def test_cancel_ends_onboarding_and_a_review(
    api: FakeBotApi,
    bot: Application,  # type: ignore[type-arg]
    db: Database,
    kb: KnowledgeBase,
) -> None:
    new = FakeUser(api, 6001, first_name="Nia")
    new.send_command("/start")
    asked = await new.wait_message_async(predicate=has_button(t(kb, "consent_yes")))
    await cancel_and_check(new, db, asked, head(kb, "cancelled_onboarding"))
    await typed_text_is_not_an_answer(new, kb, "Europe/Helsinki")
    new.send_command("/start")  # carries on where it stopped
    await new.wait_message_async(predicate=has_button(t(kb, "consent_yes")))

    old = FakeUser(api, 6002, first_name="Olli")
    await onboarded(db, 6002, run_days=(MON,), run_time=dt.time(7))
    old.send_command("/start")
    review = await old.wait_message_async(predicate=has_button(t(kb, "review_ok")))
    await cancel_and_check(old, db, review, head(kb, "cancelled_review"))
    assert (await athlete_of(db, 6002)).onboarding_step is None


async def test_cancel_ends_a_typed_setting_which_then_takes_no_text(
    api: FakeBotApi,
    bot: Application,  # type: ignore[type-arg]
    db: Database,
    kb: KnowledgeBase,
) -> None:
    ann = FakeUser(api, 6003)
    await onboarded(db, 6003, timezone="Europe/London")
    ann.send_command("/settings")
    await tap_when_shown(ann, t(kb, "settings_timezone"))
    await tap_when_shown(ann, t(kb, "settings_type_it"))
    prompt = await ann.wait_message_async(contains="Type your time zone")
    assert has_button(t(kb, "cancel"))(prompt)
    await cancel_and_check(ann, db, prompt, "Cancelled: Time zone stays as it was.")
    await typed_text_is_not_an_answer(ann, kb, "Helsinki")
    assert (await athlete_of(db, 6003)).timezone == "Europe/London"

    # The prompt's own Cancel button does the same.
    ann.send_command("/settings")
    await tap_when_shown(ann, t(kb, "settings_run_time"))
    await tap_when_shown(ann, t(kb, "settings_type_it"))
    prompt = await ann.wait_message_async(contains="Type the time as HH:MM")
    await ann.wait_callback_answered_async(ann.tap(t(kb, "cancel"), in_message=prompt))
    edited = await ann.wait_message_async(contains="Cancelled: Run time stays as it was.")
    assert edited.buttons == []
    assert await question_of(db, 6003) is None


async def test_cancel_ends_the_self_test_and_the_erase_question(
    api: FakeBotApi,
    bot: Application,  # type: ignore[type-arg]
    db: Database,
    kb: KnowledgeBase,
) -> None:
    bo = FakeUser(api, 6004, first_name="Bo")
    await onboarded(db, 6004)
    await add_results(db, 6004, 1)
    bo.send_command("/selftest")
    step = await bo.wait_message_async(contains="1 of")
    await cancel_and_check(bo, db, step, head(kb, "cancelled_selftest"))
    async with db.transaction() as session:
        assert await selftest.active_session(session, 6004) is None
        cancelled = await session.scalar(select(func.count()).select_from(SelftestSession))
    assert cancelled == 1

    bo.send_command("/settings")
    await tap_when_shown(bo, t(kb, "settings_withdraw_consent"))
    confirm = await bo.wait_message_async(contains="1 self-test result,")
    await cancel_and_check(bo, db, confirm, head(kb, "cancelled_withdrawal"))
    assert (await athlete_of(db, 6004)).consent_at is not None
    assert await results_of(db, 6004) == 1


async def test_cancel_ends_a_group_name_and_broadcast_drafts(
    api: FakeBotApi,
    bot: Application,  # type: ignore[type-arg]
    db: Database,
    kb: KnowledgeBase,
) -> None:
    coach = FakeUser(api, COACH, first_name="Coach")
    coach.send_command("/newgroup")
    asked = await coach.wait_message_async(contains=head(kb, "group_name_ask", limit=48))
    await cancel_and_check(coach, db, asked, head(kb, "cancelled_group_name"))
    await typed_text_is_not_an_answer(coach, kb, "Hill runners")

    coach.send_command("/newgroup")  # asked again, the typed name makes the group
    await coach.wait_message_async(contains=head(kb, "group_name_ask", limit=48))
    coach.send_text("Hill runners")
    await coach.wait_message_async(contains="start=grp_")
    async with db.transaction() as session:
        groups = (await session.scalars(select(TrainingGroup.name))).all()
    assert groups == ["Hill runners"]

    coach.send_command("/broadcast")
    asked = await coach.wait_message_async(contains=head(kb, "broadcast_ask_text"))
    await cancel_and_check(coach, db, asked, head(kb, "cancelled_broadcast"))
    await typed_text_is_not_an_answer(coach, kb, "Hills on Tuesday")

    # A draft waiting for its time is discarded the same way.
    coach.send_command("/broadcast")
    await coach.wait_message_async(contains=head(kb, "broadcast_ask_text"))
    coach.send_text("Hills on Tuesday")
    await tap_when_shown(coach, "Hill runners")
    await tap_when_shown(coach, t(kb, "broadcast_schedule"))
    asked = await coach.wait_message_async(contains=head(kb, "broadcast_ask_time", tz="UTC"))
    await cancel_and_check(coach, db, asked, head(kb, "cancelled_broadcast"))
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(BroadcastDraft)) == 0


async def test_text_with_nothing_asked_gets_one_hint(
    api: FakeBotApi,
    bot: Application,  # type: ignore[type-arg]
    db: Database,
    kb: KnowledgeBase,
) -> None:
    cy = FakeUser(api, 6005)
    await onboarded(db, 6005)
    before = api.event_count(6005)
    cy.send_text("is anyone there?")
    await cy.wait_message_async(contains=t(kb, "stray_text")[:30])
    cy.send_command("/cancel")
    await cy.wait_message_async(contains=t(kb, "nothing_to_cancel"))
    assert api.event_count(6005) == before + 2  # one reply each, nothing more


# --------------------------------------------------------------------- consent


async def test_changing_answers_keeps_consent_and_results(
    api: FakeBotApi,
    bot: Application,  # type: ignore[type-arg]
    db: Database,
    kb: KnowledgeBase,
) -> None:
    di = FakeUser(api, 6006, first_name="Di")
    await onboarded(db, 6006, run_days=(MON, WED), run_time=dt.time(7))
    await add_results(db, 6006, 2)
    consented = (await athlete_of(db, 6006)).consent_at

    di.send_command("/start")
    await tap_when_shown(di, t(kb, "review_edit"))
    first = await di.wait_message_async(contains=head(kb, "ask_timezone"))
    assert not has_button(t(kb, "consent_no"))(first)  # consent is not asked again
    await di.wait_callback_answered_async(di.tap(t(kb, "back"), in_message=first))
    review = await di.wait_message_async(predicate=has_button(t(kb, "review_edit")))  # Back
    await di.wait_callback_answered_async(di.tap(t(kb, "review_edit"), in_message=review))
    await tap_when_shown(di, "Europe/Helsinki")
    await tap_when_shown(di, t(kb, "done"))
    await tap_when_shown(di, "07:00")
    await tap_when_shown(di, t(kb, "no"))
    await di.wait_message_async(contains=head(kb, "onboarding_done"))
    assert await results_of(db, 6006) == 2
    assert (await athlete_of(db, 6006)).consent_at == consented

    # Withdrawing on review says what goes and waits for a yes; "no" keeps everything.
    di.send_command("/start")
    await tap_when_shown(di, t(kb, "settings_withdraw_consent"))
    confirm = await di.wait_message_async(contains="2 self-test results")
    assert has_button(t(kb, "withdraw_yes"))(confirm)
    await di.wait_callback_answered_async(di.tap(t(kb, "withdraw_no"), in_message=confirm))
    await di.wait_message_async(contains=head(kb, "withdraw_kept"))
    assert await results_of(db, 6006) == 2

    # In /settings: yes erases.
    di.send_command("/settings")
    await tap_when_shown(di, t(kb, "settings_withdraw_consent"))
    await tap_when_shown(di, t(kb, "withdraw_yes"), contains="2 self-test results")
    await di.wait_message_async(contains=head(kb, "consent_withdrawn"))
    assert await results_of(db, 6006) == 0
    assert (await athlete_of(db, 6006)).consent_at is None


async def test_no_to_consent_given_moments_before_erases_nothing_silently(
    api: FakeBotApi,
    bot: Application,  # type: ignore[type-arg]
    db: Database,
    kb: KnowledgeBase,
) -> None:
    """Back to the consent question and "No, thanks": with results stored it asks first."""
    ed = FakeUser(api, 6007, first_name="Ed")
    ed.send_command("/start")
    await tap_when_shown(ed, t(kb, "consent_yes"))
    await add_results(db, 6007, 1)  # as if stored meanwhile
    await tap_when_shown(ed, t(kb, "back"), contains=head(kb, "ask_timezone"))
    await tap_when_shown(ed, t(kb, "consent_no"), contains=head(kb, "consent_question"))
    confirm = await ed.wait_message_async(contains="1 self-test result,")
    assert await results_of(db, 6007) == 1
    await ed.wait_callback_answered_async(ed.tap(t(kb, "withdraw_no"), in_message=confirm))
    await ed.wait_message_async(contains=head(kb, "ask_timezone"))  # onboarding goes on
    assert await results_of(db, 6007) == 1
    assert (await athlete_of(db, 6007)).consent_at is not None


async def test_every_consent_prompt_carries_its_button(
    api: FakeBotApi,
    bot: Application,  # type: ignore[type-arg]
    db: Database,
    kb: KnowledgeBase,
) -> None:
    fay = FakeUser(api, 6008, first_name="Fay")
    fay.send_command("/start")
    for label in (t(kb, "consent_no"), "UTC", "Mon", t(kb, "done"), "07:00", t(kb, "no")):
        await tap_when_shown(fay, label)
    await tap_when_shown(fay, t(kb, "start_selftest"))
    prompt = await fay.wait_message_async(contains=head(kb, "selftest_needs_consent"))
    assert has_button(t(kb, "consent_yes"))(prompt)
    fay.send_command("/selftest")
    prompt = await fay.wait_message_async(contains=head(kb, "selftest_needs_consent"))
    await fay.wait_callback_answered_async(fay.tap(t(kb, "consent_yes"), in_message=prompt))
    await fay.wait_message_async(contains="1 of")
    assert (await athlete_of(db, 6008)).consent_at is not None


# --------------------------------------------------------------------- onboarding


async def test_back_on_every_question_and_no_run_days_only_with_the_note(
    api: FakeBotApi,
    bot: Application,  # type: ignore[type-arg]
    db: Database,
    kb: KnowledgeBase,
) -> None:
    gus = FakeUser(api, 6009, first_name="Gus")
    gus.send_command("/start")
    consent = await gus.wait_message_async(predicate=has_button(t(kb, "consent_yes")))
    assert not has_button(t(kb, "back"))(consent)  # the very first question
    await gus.wait_callback_answered_async(gus.tap(t(kb, "consent_yes"), in_message=consent))
    zone = await gus.wait_message_async(contains=head(kb, "ask_timezone"))
    assert has_button(t(kb, "back"))(zone)
    gus.send_text("helsinki")
    confirmed = await gus.wait_message_async(contains="Europe/Helsinki")
    assert "there now" in (confirmed.text or "")
    days = await gus.wait_message_async(contains=head(kb, "ask_run_days"))
    assert has_button(t(kb, "back"))(days)
    await gus.wait_callback_answered_async(gus.tap(t(kb, "done"), in_message=days))
    note = await gus.wait_message_async(contains="no warm-up reminders")
    assert has_button(t(kb, "onboarding_no_run_days"))(note)
    await gus.wait_callback_answered_async(
        gus.tap(t(kb, "onboarding_no_run_days"), in_message=note)
    )
    tri = await gus.wait_message_async(contains=head(kb, "ask_triathlete"))  # no run time asked
    await gus.wait_callback_answered_async(gus.tap(t(kb, "back"), in_message=tri))
    days = await gus.wait_message_async(contains=head(kb, "ask_run_days"))
    await gus.wait_callback_answered_async(gus.tap("Wed", in_message=days))
    await gus.wait_message_async(predicate=has_button("✅ Wed"))
    await gus.wait_callback_answered_async(gus.tap(t(kb, "done"), in_message=days))
    time_asked = await gus.wait_message_async(contains=head(kb, "ask_run_time"))
    assert has_button(t(kb, "back"))(time_asked)
    gus.send_text("7.30pm")
    await gus.wait_message_async(contains="19:30")
    tri = await gus.wait_message_async(contains=head(kb, "ask_triathlete"))
    assert has_button(t(kb, "back"))(tri)
    await gus.wait_callback_answered_async(gus.tap(t(kb, "no"), in_message=tri))
    await gus.wait_message_async(contains=head(kb, "onboarding_done"))
    athlete = await athlete_of(db, 6009)
    assert (athlete.timezone, athlete.run_days, athlete.run_time) == (
        "Europe/Helsinki",
        [WED],
        dt.time(19, 30),
    )


# --------------------------------------------------------------------- zones and times


@pytest.mark.parametrize(
    ("typed", "zone", "shown"),
    [
        ("New York", "America/New_York", "America/New_York"),
        ("Tukholma", "Europe/Stockholm", "Europe/Stockholm"),
        ("+2", "Etc/GMT-2", "UTC+2"),
    ],
)
async def test_time_zones_as_people_type_them(
    api: FakeBotApi,
    bot: Application,  # type: ignore[type-arg]
    db: Database,
    kb: KnowledgeBase,
    typed: str,
    zone: str,
    shown: str,
) -> None:
    hu = FakeUser(api, 6010)
    await onboarded(db, 6010, timezone="Europe/London")
    hu.send_command("/settings")
    await tap_when_shown(hu, t(kb, "settings_timezone"))
    await tap_when_shown(hu, t(kb, "settings_type_it"))
    hu.send_text(typed)
    saved = await hu.wait_message_async(contains="Saved.", predicate=has_button("Tip day"))
    assert f"Time zone <b>{shown}</b>" in (saved.message.raw_text or "")
    assert f"Time zone: {shown}" in (saved.text or "")
    assert "Etc/" not in (saved.text or "")
    assert ("clocks change in summer" in (saved.text or "")) is shown.startswith("UTC")
    assert (await athlete_of(db, 6010)).timezone == zone


async def test_times_as_people_type_them(
    api: FakeBotApi,
    bot: Application,  # type: ignore[type-arg]
    db: Database,
    kb: KnowledgeBase,
) -> None:
    ida = FakeUser(api, 6011)
    await onboarded(db, 6011, run_days=(MON,), run_time=dt.time(6))
    for typed, expected in (
        ("7:30", dt.time(7, 30)),
        ("07.30", dt.time(7, 30)),
        ("7.30am", dt.time(7, 30)),
        ("7:30 pm", dt.time(19, 30)),
        ("19.30", dt.time(19, 30)),
    ):
        ida.send_command("/settings")
        await tap_when_shown(ida, t(kb, "settings_run_time"))
        await tap_when_shown(ida, t(kb, "settings_type_it"))
        ida.send_text(typed)
        await ida.wait_message_async(contains="Saved.")
        assert (await athlete_of(db, 6011)).run_time == expected, typed


# --------------------------------------------------------------------- small promises


async def test_pause_says_its_limit(
    api: FakeBotApi,
    bot: Application,  # type: ignore[type-arg]
    db: Database,
    kb: KnowledgeBase,
) -> None:
    jo = FakeUser(api, 6012)
    await onboarded(db, 6012)
    jo.send_command("/pause", "9999")
    refused = await jo.wait_message_async(contains="is not a number of days")
    assert "1–365 days" in (refused.text or "")


async def test_cadence_options_in_order_and_a_typed_number_picks_one(
    api: FakeBotApi,
    bot: Application,  # type: ignore[type-arg]
    db: Database,
    kb: KnowledgeBase,
) -> None:
    steps = kb.selftest.steps
    at = next(i for i, s in enumerate(steps) if s.id == "cadence")
    labels = [text_for(o.label, "en") for o in steps[at].options]
    assert labels == ["Under 160", "160–169", "170–180", "Over 180", "I don't know"]
    kim = FakeUser(api, 6013)
    await onboarded(db, 6013)
    kim.send_command("/selftest")
    for index in range(at):
        first = text_for(steps[index].options[0].label, "en")
        await tap_when_shown(kim, first, contains=f"{index + 1} of")
    shown = await kim.wait_message_async(contains=f"{at + 1} of")
    assert [row[0][0] for row in shown.buttons[: len(labels)]] == labels
    kim.send_text("hello")
    await kim.wait_message_async(contains=head(kb, "selftest_use_buttons"))
    await kim.wait_message_async(contains=f"{at + 1} of")
    kim.send_text("172")
    await kim.wait_message_async(contains="✅")
    await kim.wait_message_async(contains=f"{at + 2} of")
    async with db.transaction() as session:
        sel = await selftest.active_session(session, 6013)
    assert sel is not None and sel.answers["cadence"] == "c170_180"


async def test_help_shows_coach_commands_only_to_coaches(
    api: FakeBotApi,
    bot: Application,  # type: ignore[type-arg]
    db: Database,
    kb: KnowledgeBase,
) -> None:
    lea = FakeUser(api, 6014)
    await onboarded(db, 6014)
    lea.send_command("/help")
    athletes_help = await lea.wait_message_async(contains="What I can do")
    assert "/broadcast" not in (athletes_help.text or "")
    coach = FakeUser(api, COACH)
    coach.send_command("/help")
    coaches_help = await coach.wait_message_async(contains="What I can do")
    assert "/broadcast" in (coaches_help.text or "")


async def test_looks_good_and_other_buttons_answer_with_something(
    api: FakeBotApi,
    bot: Application,  # type: ignore[type-arg]
    db: Database,
    kb: KnowledgeBase,
) -> None:
    max_ = FakeUser(api, 6015)
    await onboarded(db, 6015, run_days=(MON,), run_time=dt.time(7))
    max_.send_command("/start")
    review = await max_.wait_message_async(predicate=has_button(t(kb, "review_ok")))
    answered = await max_.wait_callback_answered_async(
        max_.tap(t(kb, "review_ok"), in_message=review)
    )
    assert answered.answer_text == t(kb, "review_kept")
    kept = await max_.wait_message_async(contains=t(kb, "review_kept"))
    assert kept.buttons == []  # a finished question loses its buttons
    stale = await max_.wait_callback_answered_async(
        max_.tap_data(review.message_id, "ob:review:ok")
    )
    assert stale.answer_text is not None and stale.answer_text != ""
    max_.send_command("/settings")
    menu = await max_.wait_message_async(predicate=has_button(t(kb, "settings_tip_day")))
    await max_.wait_callback_answered_async(max_.tap(t(kb, "settings_tip_day"), in_message=menu))
    await max_.wait_message_async(contains=t(kb, "settings_ask_tip_day"))
    saved = await max_.wait_callback_answered_async(max_.tap("Thu", in_message=menu))
    assert saved.answer_text == "Saved."
