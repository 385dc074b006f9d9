"""Strength levels from the check-in and the pain advice: "too hard" and "next level".

`lv:d` ("Too hard: easier level", in every check-in and after "keep going"
pain advice) moves every strength exercise one level easier at once. `lv:u`
("Ready: next level") is offered by the check-in after three weeks of two
sessions; the offer is checked again here, so an old button cannot skip the
wait. The change is committed before the reply, which lists each exercise at
its new level as a button to its card.

Register with `handlers()`: the `lv:` buttons.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bot.render import keyboard, ui
from bot.services import services
from bot.telegram_io import answer_query, send_html
from coaching import callbacks, progression
from coaching.callbacks import CardOpen, InvalidButton, LevelChange
from coaching.models import Athlete
from knowledge.schema import FALLBACK_LANGUAGE, ProgressionLevel, text_for
from scheduler.recurrence import week_start


async def level_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Move every strength exercise one level down ("too hard") or up (when earned)."""
    svc = services(context)
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    try:
        button = callbacks.parse(query.data)
    except InvalidButton:
        button = None
    now = svc.clock()
    moved: dict[str, ProgressionLevel] = {}
    async with svc.db.transaction() as session:
        athlete = await session.get(Athlete, update.effective_user.id)
        lang = athlete.language if athlete is not None else FALLBACK_LANGUAGE
        if athlete is not None and isinstance(button, LevelChange):
            up = button.direction == "u"
            week = week_start(now, athlete.timezone)
            if not up or await progression.ready_for_next(session, svc.kb, athlete.id, week, now):
                moved = await progression.move(
                    session, svc.kb, athlete.id, "up" if up else "down", now
                )
    if athlete is None or not isinstance(button, LevelChange):
        await answer_query(query, ui(svc.kb, lang, "stale_button"))
        return
    await answer_query(query)
    kb, up = svc.kb, button.direction == "u"
    if not moved:
        await send_html(
            update, ui(kb, lang, "level_no_change_up" if up else "level_no_change_down")
        )
        return
    lines = [ui(kb, lang, "level_changed_up" if up else "level_changed_down")]
    for exercise, level in moved.items():
        name = text_for(kb.exercises[exercise].name, lang)
        label = ui(kb, lang, f"card_level_{level}")
        lines.append(ui(kb, lang, "level_line", exercise=name, level=label))
    rows = [[(text_for(kb.exercises[e].name, lang), CardOpen(e, "n").encode())] for e in moved]
    await send_html(update, "\n".join(lines), keyboard(rows))


def handlers() -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
    """Every `lv:` button."""
    return [CallbackQueryHandler(level_button, pattern=callbacks.route(LevelChange))]


__all__ = ["handlers", "level_button"]
