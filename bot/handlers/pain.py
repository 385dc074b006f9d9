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

/pain and its buttons are in `bot.routes`.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.context import HipContext, handler, on_button
from bot.render import Button, chunk, keyboard, ui
from coaching import pain
from coaching.callbacks import LevelChange, PainAnswer, PainStart
from coaching.models import Athlete
from coaching.pain import InvalidTriage
from coaching.pain_models import PainReport
from knowledge.i18n import format_local_date, plural
from knowledge.schema import KnowledgeBase, PainQuestion, text_for
from scheduler.recurrence import zone

ROW_WIDTH = {"area": 2, "score": 6}
"""Buttons per row: two areas, six scores (0–5, then 6–10); yes/no side by side."""


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


@handler
async def pain_command(update: Update, context: HipContext) -> None:
    """Start the triage: what hurts, and how much."""
    await context.find_athlete()
    context.reply(*question_view(context.kb, context.lang, "", context.kb.pain.questions[0]))


@on_button(PainStart)
async def start_button(update: Update, context: HipContext, button: PainStart) -> None:
    """ "Something hurts" under a reminder, a check-in or a card: the first question."""
    await pain_command(update, context)


@on_button(PainAnswer)
async def answer_button(update: Update, context: HipContext, button: PainAnswer) -> None:
    """An answer to a triage question, or Back; after the last, the advice in its place."""
    athlete = await context.find_athlete()
    triage = context.kb.pain
    try:
        picked = pain.parse(triage, button.answers)
    except InvalidTriage:
        context.toast("stale_button")
        return
    question = pain.next_question(triage, picked)
    if question is not None:
        context.edit(*question_view(context.kb, context.lang, button.answers, question))
        return
    found = pain.verdict(triage, picked)
    report = None
    if athlete is not None:  # stored with consent only: it is health data
        report = await pain.record(await context.db(), triage, athlete, found, context.now)
    context.edit(*outcome_view(context.kb, context.lang, found, report, athlete))


__all__ = ["answer_button", "outcome_view", "pain_command", "question_view", "start_button"]
