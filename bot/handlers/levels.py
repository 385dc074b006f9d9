"""Strength levels from the check-in and the pain advice: "too hard" and "next level".

`lv:d` ("Too hard: easier level", in every check-in and after "keep going"
pain advice) moves every strength exercise one level easier at once. `lv:u`
("Ready: next level") is offered by the check-in after three weeks of two
sessions; the offer is checked again here, so an old button cannot skip the
wait. The change is committed before the reply, which lists each exercise at
its new level as a button to its card.

Its button is in `bot.routes`.
"""

from __future__ import annotations

from telegram import Update

from bot.context import HipContext, athlete_only, on_button
from bot.render import keyboard
from coaching import progression
from coaching.callbacks import CardOpen, LevelChange
from knowledge.schema import ProgressionLevel, text_for
from scheduler.recurrence import week_start


@on_button(LevelChange)
@athlete_only
async def level_button(update: Update, context: HipContext, button: LevelChange) -> None:
    """Move every strength exercise one level down ("too hard") or up (when earned)."""
    session, athlete, kb = await context.db(), context.athlete, context.kb
    up = button.direction == "u"
    moved: dict[str, ProgressionLevel] = {}
    week = week_start(context.now, athlete.timezone)
    if not up or await progression.ready_for_next(session, kb, athlete.id, week, context.now):
        moved = await progression.move(session, kb, athlete.id, "up" if up else "down", context.now)
    if not moved:
        context.say("level_no_change_up" if up else "level_no_change_down")
        return
    lines = [context.t("level_changed_up" if up else "level_changed_down")]
    for exercise, level in moved.items():
        name = text_for(kb.exercises[exercise].name, context.lang)
        label = context.t(f"card_level_{level}")
        lines.append(context.t("level_line", exercise=name, level=label))
    rows = [
        [(text_for(kb.exercises[e].name, context.lang), CardOpen(e, "n").encode())] for e in moved
    ]
    context.reply("\n".join(lines), keyboard(rows))


__all__ = ["level_button"]
