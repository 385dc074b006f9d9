"""/selftest: the hip self-test conversation (/results is `bot.handlers.results`).

Buttons carry `st:<session>:<step>:<choice>` (`coaching.callbacks`);
`coaching.selftest` refuses any that do not match the athlete's current session
and step. Each answer is committed before the reply, so a crash between the two
loses nothing. The step on screen is the chat's pending question: /cancel ends
the test, typed text gets the step again (or, at a step of numbers such as the
cadence, picks the option the number falls in).
"""

from __future__ import annotations

import html

from sqlalchemy.orm.exc import StaleDataError
from telegram import InlineKeyboardMarkup, Update

from bot.context import HipContext, Refused, athlete_only, on_button
from bot.handlers import video_card
from bot.handlers.cards import plan_view
from bot.render import Button, keyboard
from coaching import selftest
from coaching.callbacks import SelftestAnswer, SelftestStart
from coaching.models import SelftestResult, SelftestSession
from coaching.pending import Kind, PendingQuestion
from coaching.scoring import assess, compare, latest_judged
from coaching.selftest import Action, NoConsent, StaleStep
from coaching.video import measured_form, with_measured
from knowledge.i18n import format_local_date
from knowledge.render import option_labels, render_step_message, render_summary
from knowledge.schema import text_for
from scheduler.recurrence import zone


def step_text(context: HipContext, step_index: int) -> str:
    kb = context.kb
    head = context.t("selftest_progress", n=step_index + 1, total=len(kb.selftest.steps))
    return f"<i>{head}</i>\n{render_step_message(kb, kb.selftest.steps[step_index], context.lang)}"


def step_question(context: HipContext, sel: SelftestSession) -> tuple[str, InlineKeyboardMarkup]:
    """The current step as a message: progress, instructions, question, answer buttons."""
    step = selftest.current_step(context.kb, sel)
    assert step is not None
    text = step_text(context, sel.step_index)
    if selftest.takes_numbers(step):
        text += "\n" + context.t("selftest_type_number")

    def data(choice: str) -> str:
        return SelftestAnswer(sel.id, sel.step_index, choice).encode()

    rows: list[list[Button]] = [
        [(label, data(option.id))]
        for option, label in zip(step.options, option_labels(step, context.lang), strict=True)
    ]
    rows.append([(context.t("back"), data(Action.BACK)), (context.t("skip"), data(Action.SKIP))])
    rows.append([(context.t("cancel"), data(Action.CANCEL))])
    return text, keyboard(rows)


def consent_buttons(context: HipContext) -> InlineKeyboardMarkup:
    """The "Yes, I agree" every consent prompt carries."""
    return keyboard([[(context.t("consent_yes"), SelftestStart("consent").encode())]])


def chosen_label(context: HipContext, step_index: int, choice: str) -> str:
    if choice == Action.SKIP:
        return context.t("skipped")
    for option in context.kb.selftest.steps[step_index].options:
        if option.id == choice:
            return text_for(option.label, context.lang)
    return ""


async def show_result(context: HipContext, result: SelftestResult) -> None:
    """The finished test's summary, then the plan.

    Each finding is compared with the same fault's level in the athlete's most
    recent earlier test that judged it (better / same / worse, and since when);
    a test with not enough answers is never compared against, nor planned from.
    Earlier tests are judged from their answers, as `assess` judges this one.
    A hip drop measured from video replaces the by-eye answer (`with_measured`),
    says so with its date, and is not compared with an eye's judgement.
    """
    kb, lang, athlete = context.kb, context.lang, context.athlete
    session = await context.db()
    history = await selftest.results(session, athlete.id)
    earlier = [r for r in history if r is not result]
    judged = [assess(kb, r.answers) for r in earlier]
    found = assess(kb, result.answers)
    comparison = compare(judged, found)
    local = zone(athlete.timezone)
    since = {
        fault: format_local_date(earlier[index].created_at, local, lang)
        for fault, index in comparison.against.items()
    }
    form = await measured_form(session, athlete.id)
    shown = with_measured(kb, found, form)
    now = shown.found or found
    changes = shown.unmeasured(comparison.changes)
    notes = video_card.finding_notes(kb, lang, shown, local)
    summary = render_summary(kb, now.levels, now.missing, changes, since, lang, notes)
    context.reply_long(f"{context.t('selftest_done')}\n\n{summary}")
    planned = with_measured(kb, latest_judged([*judged, found]), form)
    context.reply(*plan_view(kb, lang, planned, athlete.triathlete, local))


async def ask_step(context: HipContext, sel: SelftestSession, *, on_tapped: bool = False) -> None:
    """Make the session's current step the chat's question, on a new or the tapped message."""
    await context.wait_for(Kind.SELFTEST, ref_id=sel.id, on_tapped=on_tapped)
    if on_tapped:
        context.edit(*step_question(context, sel))
    else:
        context.ask(*step_question(context, sel))


async def begin(context: HipContext) -> None:
    """A new session (an unfinished one is cancelled) and its first step."""
    try:
        sel = await selftest.start(await context.db(), context.athlete, context.kb, context.now)
    except NoConsent:
        raise Refused(context.t("selftest_needs_consent")) from None
    context.say("selftest_intro")
    await ask_step(context, sel)


@athlete_only
async def start_command(update: Update, context: HipContext) -> None:
    """Start the self-test, or offer to resume or restart an unfinished one."""
    athlete = context.athlete
    if athlete.consent_at is None:
        context.say("selftest_needs_consent", consent_buttons(context))
        return
    sel = await selftest.active_session(await context.db(), athlete.id)
    if sel is None:
        await begin(context)
        return
    buttons = [
        [(context.t("resume"), SelftestStart("resume").encode())],
        [(context.t("restart"), SelftestStart("new").encode())],
    ]
    total = len(context.kb.selftest.steps)
    context.say("selftest_resume_or_restart", keyboard(buttons), n=sel.step_index + 1, total=total)


@on_button(SelftestStart)
@athlete_only
async def start_button(update: Update, context: HipContext, button: SelftestStart) -> None:
    """Start (or restart) the test, agree to the consent it needs first, or resume it."""
    athlete = context.athlete
    if button.action == "consent":
        athlete.consent_at = athlete.consent_at or context.now
        context.toast("consent_given_short")
    if button.action in ("new", "consent"):
        if athlete.consent_at is None:
            context.say("selftest_needs_consent", consent_buttons(context))
            return
        context.edit(context.tapped_text)  # its buttons are spent
        await begin(context)
        return
    sel = await selftest.active_session(await context.db(), athlete.id)
    if sel is None or selftest.current_step(context.kb, sel) is None:
        context.toast("stale_button")
        return
    context.say("selftest_resumed")
    await ask_step(context, sel)


@on_button(SelftestAnswer)
@athlete_only
async def answer_button(update: Update, context: HipContext, button: SelftestAnswer) -> None:
    """Store one answer, then turn the tapped message into the next step (or the end)."""
    try:
        answered = await selftest.take_answer(
            await context.db(),
            context.kb,
            context.athlete.id,
            button.session_id,
            button.step_index,
            button.choice,
            context.now,
        )
    except (StaleStep, StaleDataError):
        context.toast("stale_button")
        await reask(context, "stale_button")
        return
    await show_answer(context, answered, on_tapped=True)


async def show_answer(context: HipContext, answered: selftest.Answered, *, on_tapped: bool) -> None:
    """The answered step confirmed, then the next step, the end, or "cancelled"."""
    asked = step_text(context, answered.step_index)
    if answered.choice == Action.CANCEL:
        await context.stop_waiting(Kind.SELFTEST)
        context.edit(f"{asked}\n\n<i>{context.t('selftest_cancelled')}</i>")
        return
    confirmed = ""
    if answered.choice != Action.BACK:
        label = html.escape(chosen_label(context, answered.step_index, answered.choice))
        confirmed = f"✅ <b>{label}</b>"
    if answered.result is not None:
        await context.stop_waiting(Kind.SELFTEST)
        if on_tapped:
            context.edit(f"{asked}\n\n{confirmed}")
        else:
            context.reply(confirmed)
        await show_result(context, answered.result)
        return
    if on_tapped:
        await context.wait_for(Kind.SELFTEST, ref_id=answered.session.id, on_tapped=True)
        text, markup = step_question(context, answered.session)
        context.edit(f"{confirmed}\n\n{text}" if confirmed else text, markup)
    else:
        context.reply(confirmed)
        await ask_step(context, answered.session)


async def reask(context: HipContext, notice_key: str) -> None:
    """Explain why input was not taken and show the current step again (if any)."""
    sel = await selftest.active_session(await context.db(), context.athlete.id)
    context.say(notice_key)
    if sel is not None and selftest.current_step(context.kb, sel) is not None:
        await ask_step(context, sel)


async def answer_text(
    update: Update, context: HipContext, question: PendingQuestion, text: str
) -> None:
    """Typed text during the test: a number picks its option at a step of numbers;
    anything else gets the step again."""
    athlete = await context.find_athlete()
    session = await context.db()
    sel = await selftest.active_session(session, athlete.id) if athlete else None
    step = selftest.current_step(context.kb, sel) if sel is not None else None
    if athlete is None or sel is None or step is None or sel.id != question.ref_id:
        await context.stop_waiting(Kind.SELFTEST)
        context.say("stray_text")
        return
    choice = selftest.option_for_number(step, text) if selftest.takes_numbers(step) else None
    if choice is None:
        await reask(
            context, "selftest_use_buttons" if selftest.takes_numbers(step) else "use_buttons"
        )
        return
    answered = await selftest.take_answer(
        session, context.kb, athlete.id, sel.id, sel.step_index, choice, context.now
    )
    await show_answer(context, answered, on_tapped=False)


__all__ = [
    "answer_button",
    "answer_text",
    "ask_step",
    "start_button",
    "start_command",
]
