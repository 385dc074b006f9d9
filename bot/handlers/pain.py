"""/pain and "Something hurts": a short triage, then one plain piece of advice.

/pain, or the "Something hurts" button under a warm-up reminder, a check-in or
an exercise card (`pn:go`), sends the first question. Each answer edits the
message into the next question; the buttons carry the answers so far
(`pn:a:<answers>`, see `coaching.pain`), so a restart loses nothing and an
old message simply carries on from where it was. After the last answer the
report is stored (with consent only, it is health data) in one transaction,
and then the outcome is shown: keep going with the easier level (with a
button for it), rest and retest in a week, or stop and see a physiotherapist
or doctor, which also pauses strength nudges and says until when.

Register with `handlers(private)`: /pain and the `pn:` buttons.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.render import Button, chunk, keyboard, ui
from bot.services import Services, services
from bot.telegram_io import answer_query, edit_query_message, send_html
from coaching import callbacks, onboarding, pain
from coaching.callbacks import InvalidButton, LevelChange, PainAnswer, PainStart
from coaching.models import Athlete
from coaching.pain import InvalidTriage
from coaching.pain_models import PainReport
from knowledge.i18n import format_local_date, plural
from knowledge.schema import KnowledgeBase, PainQuestion, text_for
from scheduler.recurrence import zone

ROW_WIDTH = {"area": 2, "score": 6}
"""Buttons per row: two areas, six scores (0–5, then 6–10); yes/no side by side."""


def language(update: Update, athlete: Athlete | None) -> str:
    if athlete is not None:
        return athlete.language
    user = update.effective_user
    return onboarding.language_for(user.language_code if user else None)


def question_view(
    kb: KnowledgeBase, lang: str, answers: str, question: PainQuestion
) -> tuple[str, InlineKeyboardMarkup]:
    """One triage question with its answers as buttons, and Back from the second on."""
    triage = kb.pain
    number = len(answers) + 1
    progress = ui(kb, lang, "pain_progress", n=number, total=len(triage.questions))
    text = f"<i>{progress}</i>\n<b>{text_for(question.text, lang)}</b>"
    if not answers:
        text = f"{text_for(triage.intro, lang)}\n\n{text}"
    labels = (
        [str(score) for score in range(pain.choices(question))]
        if question.id == "score"
        else [text_for(o.label, lang) for o in question.options]
    )
    buttons = [
        (label, PainAnswer(answers + pain.DIGITS[i]).encode()) for i, label in enumerate(labels)
    ]
    rows: list[list[Button]] = chunk(buttons, ROW_WIDTH.get(question.id, 2))
    if answers:
        rows.append([(ui(kb, lang, "back"), PainAnswer(answers[:-1]).encode())])
    return text, keyboard(rows)


def outcome_view(
    kb: KnowledgeBase,
    lang: str,
    found: pain.Verdict,
    report: PainReport | None,
    athlete: Athlete | None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The advice; the pause and its end date for a red flag; "nothing kept" without consent."""
    triage = kb.pain
    parts = [text_for(triage.outcomes[found.outcome], lang)]
    if report is None:
        parts.append(f"<i>{text_for(triage.not_stored, lang)}</i>")
    elif report.paused_until is not None:
        tz = zone(athlete.timezone if athlete is not None else None)
        date = format_local_date(report.paused_until, tz, lang)
        days = plural(kb, lang, "pain_pause_days", triage.pause_days)
        parts.append(text_for(triage.paused, lang).format(days=days, date=date))
    markup = None
    if found.outcome == "keep_going":
        parts.append(ui(kb, lang, "pain_easier_offer"))
        markup = keyboard([[(ui(kb, lang, "level_easier_button"), LevelChange("d").encode())]])
    return "\n\n".join(parts), markup


async def _athlete(svc: Services, update: Update) -> Athlete | None:
    user = update.effective_user
    if user is None:
        return None
    async with svc.db.transaction() as session:
        return await session.get(Athlete, user.id)


async def pain_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Start the triage: what hurts, and how much."""
    svc = services(context)
    lang = language(update, await _athlete(svc, update))
    await send_html(update, *question_view(svc.kb, lang, "", svc.kb.pain.questions[0]))


async def _finish(update: Update, svc: Services, picked: list[int]) -> None:
    """Store the report (consent permitting), then show the advice in the same message."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    triage = svc.kb.pain
    found = pain.verdict(triage, picked)
    async with svc.db.transaction() as session:
        athlete = await session.get(Athlete, update.effective_user.id)
        report = (
            await pain.record(session, triage, athlete, found, svc.clock())
            if athlete is not None
            else None
        )
    await answer_query(query)
    text, markup = outcome_view(svc.kb, language(update, athlete), found, report, athlete)
    await edit_query_message(query, text, markup)


async def pain_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The "Something hurts" button, an answer to a triage question, or Back."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    try:
        button = callbacks.parse(query.data)
    except InvalidButton:
        button = None
    if isinstance(button, PainStart):
        await answer_query(query)
        await pain_command(update, context)
        return
    lang = language(update, await _athlete(svc, update))
    try:
        if not isinstance(button, PainAnswer):
            raise InvalidTriage(query.data or "")
        picked = pain.parse(svc.kb.pain, button.answers)
    except InvalidTriage:
        await answer_query(query, ui(svc.kb, lang, "stale_button"))
        return
    question = pain.next_question(svc.kb.pain, picked)
    if question is None:
        await _finish(update, svc, picked)
        return
    await answer_query(query)
    await edit_query_message(query, *question_view(svc.kb, lang, button.answers, question))


def handlers(
    private: filters.BaseFilter,
) -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    """/pain and every `pn:` button."""
    return [
        CommandHandler("pain", pain_command, filters=private),
        CallbackQueryHandler(pain_button, pattern=callbacks.route(PainStart, PainAnswer)),
    ]


__all__ = ["handlers", "outcome_view", "pain_button", "pain_command", "question_view"]
