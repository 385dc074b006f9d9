"""/plan and the cards behind it: how to do every exercise, routine and session, one tap away.

/plan says at most three priorities and lists every routine, session and
exercise of the plan as a button. A tap turns the plan message into that card
(`cd:i:<id>:p`); a session's or routine's card lists its exercises as buttons
(`cd:x:<session>:<n>:p`), each opening the exercise's card, and "Back" walks
back the same way to the plan (`cd:p`).

The warm-up reminder and the check-in carry card buttons too (`cd:i:<id>:n`):
those messages keep their own buttons, so the card comes as a new message,
inside which the same walk happens in place (origin "c"). Every card is built
from the content (`knowledge.render.render_card`); a strength exercise's card
marks the athlete's own level. Nothing here writes to the database.

/plan and the `cd:` buttons are in `bot.routes`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Update

from bot.context import HipContext, athlete_only, on_button
from bot.handlers import video_card
from bot.render import Button, chunk, keyboard, ui
from coaching import progression, selftest
from coaching.callbacks import CardOpen, CardOrigin, CardStep, PainStart, PlanShow
from coaching.models import Athlete
from coaching.plan import build_plan
from coaching.scoring import assess, latest_judged
from coaching.video import Findings, measured_form, with_measured
from knowledge.render import render_card, render_plan
from knowledge.schema import KnowledgeBase, ProgressionLevel, text_for
from scheduler.recurrence import zone

PRERUN_ROUTINE = "prerun_activation"


def item_label(kb: KnowledgeBase, item_id: str, lang: str) -> str:
    """A card button's label: the item's name, routines and sessions marked 📋."""
    if item_id in kb.exercises:
        return text_for(kb.exercises[item_id].name, lang)
    routine = kb.routines.get(item_id) or kb.strength_sessions[item_id]
    return f"📋 {text_for(routine.name, lang)}"


def _card_rows(kb: KnowledgeBase, lang: str, ids: Sequence[str]) -> list[list[Button]]:
    buttons = [(item_label(kb, i, lang), CardOpen(i, "p").encode()) for i in ids]
    return chunk(buttons, 2)


def plan_view(
    kb: KnowledgeBase,
    lang: str,
    findings: Findings,
    triathlete: bool | None,
    zone: dt.tzinfo | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The plan for the findings (a test with enough answers, measured values over it):
    priorities first, what video measured or can measure, then a button per routine,
    session and exercise. Without findings, "no plan yet" and the method's basics."""
    note = video_card.plan_note(kb, lang, findings, zone)
    found = findings.found
    if found is None:
        ids = [r for r in (PRERUN_ROUTINE,) if r in kb.routines] + list(kb.strength_sessions)
        text = f"{ui(kb, lang, 'plan_none')}\n\n{note}"
        return text, keyboard(_card_rows(kb, lang, ids))
    plan = build_plan(kb, found.tested(), triathlete)
    text = render_plan(kb, plan.priorities, lang, note)
    return text, keyboard(_card_rows(kb, lang, plan.cards()))


async def plan_reply(context: HipContext, athlete: Athlete) -> tuple[str, InlineKeyboardMarkup]:
    """The athlete's plan, from their newest test with enough answers (an all-skipped
    retest does not take away the plan an earlier test gave), a measured hip drop over
    its by-eye answer."""
    kb = context.kb
    session = await context.db()
    results = await selftest.results(session, athlete.id)
    found = latest_judged([assess(kb, result.answers) for result in results])
    findings = with_measured(kb, found, await measured_form(session, athlete.id))
    return plan_view(kb, athlete.language, findings, athlete.triathlete, zone(athlete.timezone))


@athlete_only
async def plan_command(update: Update, context: HipContext) -> None:
    """Show the personal plan: at most three priorities, every card one tap away."""
    context.reply(*await plan_reply(context, context.athlete))


def card_view(
    kb: KnowledgeBase,
    lang: str,
    item_id: str,
    origin: CardOrigin,
    back_to: str | None,
    levels: dict[str, ProgressionLevel],
) -> tuple[str, InlineKeyboardMarkup]:
    """A card and its buttons. KeyError if the content has no such item any more.

    `back_to` is the routine or session the exercise was opened from; without
    one, Back leads to the plan (origin "p") or is absent (the top card of a new
    message). Inside a card message, taps edit it (origin "c" for "n").
    """
    text = render_card(kb, item_id, lang, levels.get(item_id))
    inner: CardOrigin = "c" if origin == "n" else origin
    rows: list[list[Button]] = []
    routine = kb.routines.get(item_id) or kb.strength_sessions.get(item_id)
    if routine is not None:
        steps = [
            (
                text_for(kb.exercises[entry.exercise].name, lang),
                CardStep(item_id, n, inner).encode(),
            )
            for n, entry in enumerate(routine.items)
        ]
        rows.extend(chunk(steps, 2))
    else:
        rows.append([(ui(kb, lang, "pain_button"), PainStart().encode())])
    if back_to is not None:
        rows.append([(ui(kb, lang, "back"), CardOpen(back_to, inner).encode())])
    elif origin == "p":
        rows.append([(ui(kb, lang, "back"), PlanShow().encode())])
    return text, keyboard(rows)


def _exercise_of(kb: KnowledgeBase, parent: str, index: int) -> str:
    routine = kb.routines.get(parent) or kb.strength_sessions.get(parent)
    if routine is None or index >= len(routine.items):
        raise KeyError(parent)
    return routine.items[index].exercise


@on_button(PlanShow)
@athlete_only
async def plan_button(update: Update, context: HipContext, button: PlanShow) -> None:
    """Back from a card to the plan, in the same message."""
    context.edit(*await plan_reply(context, context.athlete))


async def _show(context: HipContext, item_id: str, origin: CardOrigin, back_to: str | None) -> None:
    """A card in place of the tapped message, or (from a scheduled message) as a new one."""
    athlete = await context.find_athlete()
    levels: dict[str, ProgressionLevel] = {}
    if athlete is not None:
        levels = await progression.levels(await context.db(), context.kb, athlete.id)
    try:
        view = card_view(context.kb, context.lang, item_id, origin, back_to, levels)
    except KeyError:
        context.toast("card_unknown")
        return
    if origin == "n" and back_to is None:
        context.reply(*view)
    else:
        context.edit(*view)


@on_button(CardOpen)
async def open_button(update: Update, context: HipContext, button: CardOpen) -> None:
    """Open the card of an exercise, routine or session."""
    await _show(context, button.item, button.origin, None)


@on_button(CardStep)
async def step_button(update: Update, context: HipContext, button: CardStep) -> None:
    """Step from a routine's or session's card into one of its exercises (Back returns)."""
    try:
        exercise = _exercise_of(context.kb, button.parent, button.index)
    except KeyError:
        context.toast("card_unknown")
        return
    await _show(context, exercise, button.origin, button.parent)


__all__ = [
    "card_view",
    "open_button",
    "plan_button",
    "plan_command",
    "plan_reply",
    "plan_view",
    "step_button",
]
