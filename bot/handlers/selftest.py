"""/selftest, /cancel, /results and /plan: the hip self-test conversation.

Buttons carry `st:<session>:<step>:<choice>` (`coaching.callbacks`);
`coaching.selftest` refuses any that do not match the athlete's current session
and step. Each answer is committed before the reply, so a crash between the two
loses nothing.
"""

from __future__ import annotations

import asyncio
import html

from sqlalchemy.orm.exc import StaleDataError
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot import charts
from bot.handlers.common import known_athlete, load_athlete, tapped
from bot.render import Button, keyboard, split_message, ui
from bot.services import Services, services
from bot.telegram_io import answer_query, edit_query_message, send_html
from coaching import selftest
from coaching.callbacks import SelftestAnswer, SelftestStart
from coaching.models import Athlete, SelftestResult, SelftestSession
from coaching.plan import build_plan
from coaching.scoring import trend
from coaching.selftest import Action, NoConsent, StaleStep
from knowledge.render import option_labels, render_finding, render_routine, render_step_message
from knowledge.schema import FALLBACK_LANGUAGE, FAULT_IDS, LEVELS, Level, text_for


def step_text(svc: Services, lang: str, step_index: int) -> str:
    kb = svc.kb
    head = ui(kb, lang, "selftest_progress", n=step_index + 1, total=len(kb.selftest.steps))
    return f"<i>{head}</i>\n{render_step_message(kb, kb.selftest.steps[step_index], lang)}"


def step_question(
    svc: Services, athlete: Athlete, sel: SelftestSession
) -> tuple[str, InlineKeyboardMarkup]:
    """The current step as a message: progress, instructions, question, answer buttons."""
    kb, lang = svc.kb, athlete.language
    step = selftest.current_step(kb, sel)
    assert step is not None
    text = step_text(svc, lang, sel.step_index)

    def data(choice: str) -> str:
        return SelftestAnswer(sel.id, sel.step_index, choice).encode()

    rows: list[list[Button]] = [
        [(label, data(option.id))]
        for option, label in zip(step.options, option_labels(step, lang), strict=True)
    ]
    rows.append(
        [(ui(kb, lang, "back"), data(Action.BACK)), (ui(kb, lang, "skip"), data(Action.SKIP))]
    )
    rows.append([(ui(kb, lang, "cancel"), data(Action.CANCEL))])
    return text, keyboard(rows)


def chosen_label(svc: Services, athlete: Athlete, step_index: int, choice: str) -> str:
    kb, lang = svc.kb, athlete.language
    if choice == Action.SKIP:
        return ui(kb, lang, "skipped")
    step = kb.selftest.steps[step_index]
    for option in step.options:
        if option.id == choice:
            return text_for(option.label, lang)
    return ""


def findings_text(svc: Services, athlete: Athlete, result: SelftestResult) -> str:
    kb, lang = svc.kb, athlete.language
    parts = [ui(kb, lang, "selftest_done")]
    for fault in FAULT_IDS:
        level = result.findings.get(fault, "none")
        if level in LEVELS:
            parts.append(render_finding(kb, kb.faults[fault], level, lang))
    return "\n\n".join(parts)


def plan_text(svc: Services, athlete: Athlete, result: SelftestResult) -> str:
    kb, lang = svc.kb, athlete.language
    plan = build_plan(kb, result.findings, athlete.triathlete)  # type: ignore[arg-type]
    parts = [f"<b>{ui(kb, lang, 'plan_title')}</b>"]
    parts.extend(text_for(advice, lang) for advice in plan.advice)
    parts.extend(render_routine(kb, kb.routines[r], lang) for r in plan.routines)
    if plan.strength_sessions:
        names = "\n".join(
            f"• {text_for(kb.strength_sessions[s].name, lang)}" for s in plan.strength_sessions
        )
        parts.append(f"<b>{ui(kb, lang, 'plan_strength')}</b>\n{names}")
    if plan.exercises:
        names = "\n".join(f"• {text_for(kb.exercises[e].name, lang)}" for e in plan.exercises)
        parts.append(f"<b>{ui(kb, lang, 'plan_exercises')}</b>\n{names}")
    parts.append(ui(kb, lang, "plan_footer"))
    return "\n\n".join(parts)


async def _send_long(update: Update, text: str) -> None:
    for part in split_message(text):
        await send_html(update, part)


async def _begin(update: Update, svc: Services, athlete_id: int) -> None:
    """Start a new session (cancelling an unfinished one) and ask the first step."""
    async with svc.db.transaction() as session:
        athlete = await session.get(Athlete, athlete_id)
        assert athlete is not None
        sel = await selftest.start(session, athlete, svc.kb, svc.clock())
    await send_html(update, ui(svc.kb, athlete.language, "selftest_intro"))
    await send_html(update, *step_question(svc, athlete, sel))


async def start_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Start the self-test, or offer to resume or restart an unfinished one."""
    svc = services(context)
    athlete = await known_athlete(svc, update)
    if athlete is None:
        return
    lang = athlete.language
    if athlete.consent_at is None:
        buttons = [[(ui(svc.kb, lang, "consent_yes"), SelftestStart("consent").encode())]]
        await send_html(update, ui(svc.kb, lang, "selftest_needs_consent"), keyboard(buttons))
        return
    async with svc.db.transaction() as session:
        sel = await selftest.active_session(session, athlete.id)
    if sel is None:
        await _begin(update, svc, athlete.id)
        return
    total = len(svc.kb.selftest.steps)
    buttons = [
        [(ui(svc.kb, lang, "resume"), SelftestStart("resume").encode())],
        [(ui(svc.kb, lang, "restart"), SelftestStart("new").encode())],
    ]
    text = ui(svc.kb, lang, "selftest_resume_or_restart", n=sel.step_index + 1, total=total)
    await send_html(update, text, keyboard(buttons))


async def _reask(update: Update, svc: Services, athlete: Athlete, notice_key: str) -> None:
    """Explain why input was not taken and show the current step again (if any)."""
    async with svc.db.transaction() as session:
        sel = await selftest.active_session(session, athlete.id)
    await send_html(update, ui(svc.kb, athlete.language, notice_key))
    if sel is not None and selftest.current_step(svc.kb, sel) is not None:
        await send_html(update, *step_question(svc, athlete, sel))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any `st:` button: start, resume, consent, or an answer to the current step."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    button = tapped(update)
    if isinstance(button, SelftestAnswer):
        await _answer(update, svc, button.session_id, button.step_index, button.choice)
        return
    athlete = await load_athlete(svc, update)
    if athlete is None:
        await answer_query(query, ui(svc.kb, FALLBACK_LANGUAGE, "start_first"))
        return
    lang = athlete.language
    start = button.action if isinstance(button, SelftestStart) else None
    if start in ("new", "consent"):
        await answer_query(query)
        if start == "consent":
            async with svc.db.transaction() as session:
                fresh = await session.get(Athlete, athlete.id)
                assert fresh is not None
                fresh.consent_at = fresh.consent_at or svc.clock()
        try:
            await _begin(update, svc, athlete.id)
        except NoConsent:
            await send_html(update, ui(svc.kb, lang, "selftest_needs_consent"))
        return
    if start == "resume":
        await answer_query(query)
        await _reask(update, svc, athlete, "selftest_resumed")
        return
    await answer_query(query, ui(svc.kb, lang, "stale_button"))
    await _reask(update, svc, athlete, "stale_button")


async def _answer(
    update: Update, svc: Services, session_id: int, step_index: int, choice: str
) -> None:
    """Store one answer, then turn the tapped message into the next step (or the end)."""
    query = update.callback_query
    assert query is not None
    now = svc.clock()
    result: SelftestResult | None = None
    athlete: Athlete | None = None
    lang = FALLBACK_LANGUAGE
    try:
        async with svc.db.transaction() as session:
            athlete = await session.get(Athlete, query.from_user.id)
            lang = athlete.language if athlete else lang
            sel = await session.get(SelftestSession, session_id)
            if athlete is None or sel is None:
                raise StaleStep
            next_step = selftest.answer(svc.kb, sel, athlete.id, step_index, choice, now)
            if next_step is None and sel.status == selftest.Status.ACTIVE:
                result = selftest.complete(session, svc.kb, sel, now)
    except (StaleStep, StaleDataError):
        if athlete is None:
            await answer_query(query, ui(svc.kb, lang, "start_first"))
            return
        await answer_query(query, ui(svc.kb, lang, "stale_button"))
        await _reask(update, svc, await load_athlete(svc, update) or athlete, "stale_button")
        return
    await answer_query(query)
    asked = step_text(svc, lang, step_index)
    if choice == Action.CANCEL:
        await edit_query_message(query, f"{asked}\n\n<i>{ui(svc.kb, lang, 'cancelled')}</i>")
        return
    confirmed = ""
    if choice != Action.BACK:
        confirmed = f"✅ <b>{html.escape(chosen_label(svc, athlete, step_index, choice))}</b>"
    if result is not None:
        await edit_query_message(query, f"{asked}\n\n{confirmed}")
        await _send_long(update, findings_text(svc, athlete, result))
        await _send_long(update, plan_text(svc, athlete, result))
        return
    text, markup = step_question(svc, athlete, sel)
    await edit_query_message(query, f"{confirmed}\n\n{text}" if confirmed else text, markup)


async def answer_text(update: Update, svc: Services, athlete: Athlete) -> bool:
    """Typed text during a self-test: re-ask the current step. False if no test is running."""
    async with svc.db.transaction() as session:
        sel = await selftest.active_session(session, athlete.id)
    if sel is None:
        return False
    await _reask(update, svc, athlete, "use_buttons")
    return True


async def cancel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Cancel the running self-test, if there is one."""
    svc = services(context)
    athlete = await load_athlete(svc, update)
    lang = athlete.language if athlete else "en"
    cancelled = False
    if athlete is not None:
        async with svc.db.transaction() as session:
            sel = await selftest.active_session(session, athlete.id)
            if sel is not None:
                selftest.cancel(sel, svc.clock())
                cancelled = True
    await send_html(update, ui(svc.kb, lang, "cancelled" if cancelled else "nothing_to_cancel"))


def _level(result: SelftestResult, fault: str) -> Level:
    """The stored level of one fault; "none" for anything a newer version would not know."""
    level = result.findings.get(fault, "none")
    return level if level in LEVELS else "none"


def level_name(svc: Services, lang: str, result: SelftestResult, fault: str) -> str:
    return ui(svc.kb, lang, f"level_{_level(result, fault)}")


def _results_text(svc: Services, athlete: Athlete, results: list[SelftestResult]) -> str:
    kb, lang = svc.kb, athlete.language
    lines = [f"<b>{ui(kb, lang, 'results_title')}</b>"]
    for result in results[-10:]:
        levels = ", ".join(
            f"{text_for(kb.faults[f].name, lang)}: {level_name(svc, lang, result, f)}"
            for f in FAULT_IDS
        )
        lines.append(f"{result.created_at:%Y-%m-%d} — {levels}")
    if len(results) >= 2:
        previous, latest = results[-2], results[-1]
        trend_lines = []
        for fault in FAULT_IDS:
            direction = trend(_level(previous, fault), _level(latest, fault))
            key = {-1: "trend_better", 0: "trend_same", 1: "trend_worse"}[direction]
            trend_lines.append(f"• {text_for(kb.faults[fault].name, lang)}: {ui(kb, lang, key)}")
        lines.append(f"\n<b>{ui(kb, lang, 'trend_title')}</b>\n" + "\n".join(trend_lines))
    return "\n".join(lines)


async def results_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The history of results with the trend per fault, and a chart from two results on."""
    svc = services(context)
    athlete = await known_athlete(svc, update)
    if athlete is None:
        return
    async with svc.db.transaction() as session:
        results = await selftest.results(session, athlete.id)
    lang = athlete.language
    if not results:
        await send_html(update, ui(svc.kb, lang, "results_none"))
        return
    await _send_long(update, _results_text(svc, athlete, results))
    if len(results) >= 2:
        kb = svc.kb
        png = await asyncio.to_thread(
            charts.findings_chart,
            [r.created_at for r in results],
            [r.findings for r in results],
            {f: text_for(kb.faults[f].name, lang) for f in FAULT_IDS},
            [ui(kb, lang, f"level_{level}") for level in LEVELS],
            ui(kb, lang, "results_title"),
        )
        chat = update.effective_chat
        assert chat is not None
        await chat.send_photo(
            png, caption=ui(kb, lang, "results_chart_caption"), parse_mode=ParseMode.HTML
        )


async def plan_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the personal plan from the latest result again."""
    svc = services(context)
    athlete = await known_athlete(svc, update)
    if athlete is None:
        return
    async with svc.db.transaction() as session:
        result = await selftest.latest_result(session, athlete.id)
    if result is None:
        await send_html(update, ui(svc.kb, athlete.language, "plan_none"))
        return
    await _send_long(update, plan_text(svc, athlete, result))


__all__ = [
    "answer_text",
    "button",
    "cancel_command",
    "plan_command",
    "results_command",
    "start_command",
]
