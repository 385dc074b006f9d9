"""A scripted athlete takes the hip self-test against the fake Bot API."""

from __future__ import annotations

import asyncio
from pathlib import Path

from coaching import selftest
from coaching.db import Database
from coaching.models import Athlete
from coaching.scoring import findings, score
from fakeapi import FakeBotApi, FakeUser
from knowledge import KnowledgeBase
from knowledge.schema import FAULT_IDS, text_for
from tests.databases import on_postgresql, run_sync
from tests.e2e.harness import BotProcess, running_bot, tap_when_shown

ONBOARDING = ["Yes, I agree", "Europe/Helsinki", "Mon", "Done", "07:00", "No"]


async def onboard(user: FakeUser) -> None:
    user.send_command("/start")
    for button in ONBOARDING:
        await tap_when_shown(user, button)
    await user.wait_message_async(contains="/selftest")


def label(kb: KnowledgeBase, step_index: int, option_index: int) -> str:
    return text_for(kb.selftest.steps[step_index].options[option_index].label, "en")


async def take_test(user: FakeUser, kb: KnowledgeBase, choices: list[int]) -> None:
    user.send_command("/selftest")
    for index, choice in enumerate(choices):
        await tap_when_shown(user, label(kb, index, choice), contains=f"{index + 1} of")


async def test_athlete_completes_the_test_and_sees_results(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    steps = kb.selftest.steps
    worst = [
        max(range(len(s.options)), key=lambda i: sum(s.options[i].scores.values())) for s in steps
    ]
    mixed = [0 if i % 2 else w for i, w in enumerate(worst)]
    expected = findings(
        kb, score(kb.selftest, {s.id: s.options[c].id for s, c in zip(steps, mixed, strict=True)})
    )
    url = database_url
    async with running_bot(api, url):
        ann = FakeUser(api, 2001, first_name="Ann")
        await onboard(ann)
        await take_test(ann, kb, mixed)
        summary = await ann.wait_message_async(contains=kb.ui_text("selftest_done", "en")[:20])
        for fault in FAULT_IDS:
            name = text_for(kb.faults[fault].name, "en")
            level = kb.ui_text(f"level_{expected[fault]}", "en")
            assert f"{name} ({level})" in (summary.text or "")
        await ann.wait_message_async(contains=kb.ui_text("plan_title", "en"))

        ann.send_command("/results")
        history = await ann.wait_message_async(contains=kb.ui_text("results_title", "en"))
        assert history.text is not None and history.text.count("\n") >= 1

        await take_test(ann, kb, [0] * len(steps))
        await ann.wait_message_async(contains=kb.ui_text("plan_title", "en"))
        ann.send_command("/results")
        trend = await ann.wait_message_async(contains=kb.ui_text("trend_title", "en"))
        assert kb.ui_text("trend_better", "en") in (trend.text or "")
        chart = await ann.wait_message_async(predicate=lambda e: e.message.kind == "photo")
        assert chart.message.data is not None and chart.message.data.startswith(b"\x89PNG")

        ann.send_command("/plan")
        await ann.wait_message_async(contains=kb.ui_text("plan_title", "en"))

    db = Database(url)
    async with db.transaction() as session:
        results = await selftest.results(session, 2001)
    await db.dispose()
    assert [r.findings for r in results][0] == expected
    assert len(results) == 2


async def test_bad_input_during_the_test_changes_nothing(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    url = database_url
    async with running_bot(api, url):
        bo = FakeUser(api, 2002, first_name="Bo")
        eve = FakeUser(api, 2003, first_name="Eve")
        await onboard(bo)
        await onboard(eve)
        bo.send_command("/selftest")
        first = await bo.wait_message_async(contains="1 of")
        await bo.wait_callback_answered_async(bo.tap(label(kb, 0, 0)))
        await bo.wait_message_async(contains="2 of")

        bo.send_text("I think my hips are fine")
        await bo.wait_message_async(contains=kb.ui_text("use_buttons", "en"))
        await bo.wait_message_async(contains="2 of")

        stale = bo.tap_data(first.message_id, first.buttons[1][0][1] or "")
        answered = await bo.wait_callback_answered_async(stale)
        assert answered.answer_text == kb.ui_text("stale_button", "en")
        await bo.wait_message_async(contains="2 of")

        forged = bo.tap_data(first.message_id, "st:999999:1:" + kb.selftest.steps[1].options[0].id)
        await bo.wait_callback_answered_async(forged)
        # The step is shown again with its buttons (an edit taking the buttons off an
        # older copy may come first: it names the step too, without buttons).
        shown = await bo.wait_message_async(contains="2 of", predicate=lambda e: bool(e.buttons))
        current = bo.message(shown.message_id)
        seen_by_eve = eve.last_message
        assert seen_by_eve is not None
        eve_query = eve.tap_data(seen_by_eve.message_id, current.buttons[0][0][1] or "")
        await eve.wait_callback_answered_async(eve_query)

        bo.send_command("/unknown_thing")
        await bo.wait_message_async(contains="/unknown_thing")

    db = Database(url)
    async with db.transaction() as session:
        sel = await selftest.active_session(session, 2002)
        assert await selftest.active_session(session, 2003) is None
    await db.dispose()
    assert sel is not None
    assert sel.step_index == 1
    assert sel.answers == {kb.selftest.steps[0].id: kb.selftest.steps[0].options[0].id}


def test_killed_mid_test_the_athlete_continues_on_the_old_keyboard(
    api: FakeBotApi, tmp_path: Path, database_url: str, kb: KnowledgeBase
) -> None:
    # On SQLite the bot runs on its embedded default, which `hipcoach run` migrates itself.
    bot = BotProcess(api, tmp_path / "data", database_url=database_url if on_postgresql() else None)
    bot.start()
    try:
        cy = FakeUser(api, 2004, first_name="Cy")
        asyncio.run(onboard(cy))
        cy.send_command("/selftest")
        for index in range(3):
            cy.wait_message(contains=f"{index + 1} of")
            cy.wait_callback_answered(cy.tap(label(kb, index, 1)))
        old_keyboard = cy.wait_message(contains="4 of")
        bot.kill()
        bot.start()
        cy.wait_callback_answered(cy.tap(label(kb, 3, 0), in_message=old_keyboard))
        cy.wait_message(contains="5 of")
    finally:
        bot.terminate()

    async def stored() -> dict[str, str]:
        db = Database(bot.database_url)
        async with db.transaction() as session:
            sel = await selftest.active_session(session, 2004)
        await db.dispose()
        assert sel is not None and sel.step_index == 4
        return sel.answers

    answers = run_sync(stored)
    steps = kb.selftest.steps
    assert answers == {
        steps[0].id: steps[0].options[1].id,
        steps[1].id: steps[1].options[1].id,
        steps[2].id: steps[2].options[1].id,
        steps[3].id: steps[3].options[0].id,
    }


async def test_changing_answers_on_review_keeps_the_results(
    api: FakeBotApi, database_url: str, kb: KnowledgeBase
) -> None:
    """Going through /start again is not a way to lose results: consent is not asked again,
    and withdrawing it is only ever done after saying what goes, and a yes."""
    async with running_bot(api, database_url):
        di = FakeUser(api, 2005, first_name="Di")
        await onboard(di)
        await take_test(di, kb, [0] * len(kb.selftest.steps))
        await di.wait_message_async(contains=kb.ui_text("plan_title", "en"))
        di.send_command("/start")
        await tap_when_shown(di, kb.ui_text("review_edit", "en"))
        first = await di.wait_message_async(contains="time zone")
        assert all(
            label != kb.ui_text("consent_no", "en") for row in first.buttons for label, _ in row
        )
        await di.wait_callback_answered_async(di.tap("Europe/Helsinki", in_message=first))
        for button in ["Done", "07:00", "No"]:
            await tap_when_shown(di, button)
        await di.wait_message_async(contains="/selftest")
        di.send_command("/start")
        await tap_when_shown(di, kb.ui_text("settings_withdraw_consent", "en"))
        await tap_when_shown(di, kb.ui_text("withdraw_no", "en"), contains="1 self-test result,")
        await di.wait_message_async(contains=kb.ui_text("withdraw_kept", "en")[:20])

    db = Database(database_url)
    async with db.transaction() as session:
        results = await selftest.results(session, 2005)
        athlete = await session.get(Athlete, 2005)
    await db.dispose()
    assert len(results) == 1
    assert athlete is not None and athlete.consent_at is not None
