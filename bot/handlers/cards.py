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

Register with `handlers(private)`: /plan and the `cd:` buttons.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.render import Button, chunk, keyboard, ui
from bot.services import Services, services
from bot.telegram_io import answer_query, edit_query_message, send_html
from coaching import callbacks, onboarding, progression, selftest
from coaching.callbacks import CardOpen, CardOrigin, CardStep, InvalidButton, PainStart, PlanShow
from coaching.models import Athlete
from coaching.plan import build_plan
from coaching.scoring import assess
from knowledge.render import render_card, render_plan
from knowledge.schema import KnowledgeBase, ProgressionLevel, text_for

PRERUN_ROUTINE = "prerun_activation"


async def _athlete(svc: Services, update: Update) -> Athlete | None:
    user = update.effective_user
    if user is None:
        return None
    async with svc.db.transaction() as session:
        return await session.get(Athlete, user.id)


def item_label(kb: KnowledgeBase, item_id: str, lang: str) -> str:
    """A card button's label: the item's name, routines and sessions marked 📋."""
    if item_id in kb.exercises:
        return text_for(kb.exercises[item_id].name, lang)
    routine = kb.routines.get(item_id) or kb.strength_sessions[item_id]
    return f"📋 {text_for(routine.name, lang)}"


def _card_rows(kb: KnowledgeBase, lang: str, ids: Sequence[str]) -> list[list[Button]]:
    buttons = [(item_label(kb, i, lang), CardOpen(i, "p").encode()) for i in ids]
    return chunk(buttons, 2)


async def plan_reply(svc: Services, athlete: Athlete) -> tuple[str, InlineKeyboardMarkup]:
    """The plan: priorities first, then a button per routine, session and exercise."""
    kb, lang = svc.kb, athlete.language
    async with svc.db.transaction() as session:
        result = await selftest.latest_result(session, athlete.id)
    if result is None:
        ids = [r for r in (PRERUN_ROUTINE,) if r in kb.routines] + list(kb.strength_sessions)
        return ui(kb, lang, "plan_none"), keyboard(_card_rows(kb, lang, ids))
    found = assess(kb, result.answers)
    plan = build_plan(kb, found.tested(), athlete.triathlete)
    text = render_plan(kb, plan.priorities, lang)
    return text, keyboard(_card_rows(kb, lang, plan.cards()))


def language(update: Update, athlete: Athlete | None) -> str:
    """The athlete's language, else the one their Telegram app reports."""
    if athlete is not None:
        return athlete.language
    user = update.effective_user
    return onboarding.language_for(user.language_code if user else None)


def tapped(update: Update) -> callbacks.Button | None:
    query = update.callback_query
    try:
        return callbacks.parse(query.data if query is not None else None)
    except InvalidButton:
        return None


async def plan_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the personal plan: at most three priorities, every card one tap away."""
    svc = services(context)
    athlete = await _athlete(svc, update)
    if athlete is None:
        await send_html(update, ui(svc.kb, language(update, None), "start_first"))
        return
    await send_html(update, *await plan_reply(svc, athlete))


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


async def card_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A card button: open a card, step into an exercise, or go back to the plan."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    athlete = await _athlete(svc, update)
    lang = language(update, athlete)
    button = tapped(update)
    if athlete is not None and isinstance(button, PlanShow):
        await answer_query(query)
        await edit_query_message(query, *await plan_reply(svc, athlete))
        return
    if not isinstance(button, CardOpen | CardStep):
        await answer_query(query, ui(svc.kb, lang, "stale_button"))
        return
    levels: dict[str, ProgressionLevel] = {}
    if athlete is not None:
        async with svc.db.transaction() as session:
            levels = await progression.levels(session, svc.kb, athlete.id)
    try:
        if isinstance(button, CardOpen):
            view = card_view(svc.kb, lang, button.item, button.origin, None, levels)
        else:
            exercise = _exercise_of(svc.kb, button.parent, button.index)
            view = card_view(svc.kb, lang, exercise, button.origin, button.parent, levels)
    except KeyError:
        await answer_query(query, ui(svc.kb, lang, "card_unknown"))
        return
    await answer_query(query)
    if isinstance(button, CardOpen) and button.origin == "n":
        await send_html(update, *view)
    else:
        await edit_query_message(query, *view)


def handlers(
    private: filters.BaseFilter,
) -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    """/plan and every `cd:` button."""
    return [
        CommandHandler("plan", plan_command, filters=private),
        CallbackQueryHandler(card_button, pattern=callbacks.route(PlanShow, CardOpen, CardStep)),
    ]


__all__ = ["card_button", "card_view", "handlers", "plan_command", "plan_reply"]
