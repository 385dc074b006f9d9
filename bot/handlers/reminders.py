"""Answers to scheduled messages, and /pause, /resume, /snooze.

Warm-up reminders carry `rm:<delivery>:<d|s|z>` (done, skip today, snooze 15
minutes); check-ins carry `ci:<delivery>:s:<0|1|2>` then, for triathletes,
`ci:<delivery>:w:<y|n>` (both built and parsed by `coaching.callbacks`). Each
answer is committed before any reply (no Bot API call happens inside a
transaction); a button for someone else's delivery, a forged one, or one from an
older check-in than the latest, changes nothing. A snooze is a one-off delivery:
the recurring schedule never moves.
"""

from __future__ import annotations

import datetime as dt

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import known_athlete, load_athlete, tapped
from bot.render import keyboard, ui
from bot.services import Services, services
from bot.telegram_io import answer_query, edit_query_message, send_html
from coaching import reminders
from coaching.callbacks import CheckinAnswer, SwimAnswer, WarmupAnswer
from coaching.models import Athlete
from coaching.outbox import Delivery
from coaching.reminders import NotAllowed
from coaching.reminders.models import Checkin
from coaching.timeparse import InvalidInput
from scheduler.messages import swim_buttons
from scheduler.recurrence import week_start, zone


def _asked(update: Update) -> str:
    query = update.callback_query
    message = query.message if query is not None else None
    return message.text_html if message is not None and hasattr(message, "text_html") else ""


def _week(delivery: Delivery, athlete: Athlete) -> dt.date:
    """The local week a check-in asks about (planned into its payload)."""
    raw = (delivery.payload or {}).get("week")
    if isinstance(raw, str):
        return dt.date.fromisoformat(raw)
    return week_start(delivery.due_at, athlete.timezone)


async def _stale(update: Update, svc: Services, lang: str) -> None:
    query = update.callback_query
    assert query is not None
    await answer_query(query, ui(svc.kb, lang, "stale_button"))


async def warmup_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Done / Skip today / Snooze on a warm-up reminder."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    button = tapped(update)
    athlete = await load_athlete(svc, update)
    lang = athlete.language if athlete else "en"
    if not isinstance(button, WarmupAnswer) or athlete is None:
        await _stale(update, svc, lang)
        return
    delivery_id, action = button.delivery_id, button.action
    now = svc.clock()
    try:
        async with svc.db.transaction() as session:
            delivery = await session.get(Delivery, delivery_id)
            if delivery is None:
                raise NotAllowed
            if action == "z":
                await reminders.snooze(session, delivery, athlete.id, now)
                stored = True
            else:
                answer = "done" if action == "d" else "skip"
                stored = await reminders.record_warmup_ack(
                    session, delivery, athlete.id, answer, now
                )
    except NotAllowed:
        await _stale(update, svc, lang)
        return
    if action == "z":
        await answer_query(query, ui(svc.kb, lang, "snoozed"))
        await edit_query_message(query, _asked(update))
        await send_html(update, ui(svc.kb, lang, "snoozed"))
        return
    if not stored:
        await answer_query(query, ui(svc.kb, lang, "warmup_already_answered"))
        return
    await answer_query(query)
    label = ui(svc.kb, lang, "warmup_done_button" if action == "d" else "warmup_skip_button")
    await edit_query_message(query, f"{_asked(update)}\n\n✅ <b>{label}</b>")
    reply = "warmup_done_reply" if action == "d" else "warmup_skip_reply"
    await send_html(update, ui(svc.kb, lang, reply))


async def checkin_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Strength sessions this week (0 / 1 / 2+) and, for triathletes, swimming."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    button = tapped(update)
    athlete = await load_athlete(svc, update)
    lang = athlete.language if athlete else "en"
    if not isinstance(button, CheckinAnswer | SwimAnswer) or athlete is None:
        await _stale(update, svc, lang)
        return
    delivery_id = button.delivery_id
    if isinstance(button, SwimAnswer) and not athlete.triathlete:
        await _stale(update, svc, lang)
        return
    now = svc.clock()
    row: Checkin | None = None
    async with svc.db.transaction() as session:
        delivery = await session.get(Delivery, delivery_id)
        if delivery is not None and await reminders.is_current_checkin(
            session, delivery, athlete.id
        ):
            week = _week(delivery, athlete)
            if isinstance(button, CheckinAnswer):
                row = await reminders.record_checkin(
                    session, athlete.id, week, button.sessions, delivery.id, now
                )
            else:
                row = await reminders.record_swim(session, athlete.id, week, button.swam, now)
            if row is not None:
                sessions = row.strength_sessions
                streak = await reminders.current_streak(session, athlete.id, week)
    if row is None:
        await _stale(update, svc, lang)
        return
    await answer_query(query)
    kb = svc.kb
    if isinstance(button, CheckinAnswer):
        chosen = ui(kb, lang, f"checkin_{button.sessions}")
        await edit_query_message(query, f"{ui(kb, lang, 'checkin_question')}\n\n✅ <b>{chosen}</b>")
        if athlete.triathlete:
            await send_html(
                update,
                ui(kb, lang, "checkin_swim_question"),
                keyboard(swim_buttons(kb, lang, delivery_id)),
            )
            return
    else:
        chosen = ui(kb, lang, "yes" if button.swam else "no")
        await edit_query_message(
            query, f"{ui(kb, lang, 'checkin_swim_question')}\n\n✅ <b>{chosen}</b>"
        )
    key = reminders.checkin_feedback_key(sessions, streak)
    text = ui(kb, lang, key, streak=streak)
    if isinstance(button, SwimAnswer) and not button.swam:
        text += "\n\n" + ui(kb, lang, "checkin_swim_nudge")
    await send_html(update, text)


async def pause_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/pause N pauses tips and reminders for N days; /pause alone until /resume."""
    svc = services(context)
    athlete = await known_athlete(svc, update)
    if athlete is None:
        return
    lang = athlete.language
    try:
        days = reminders.parse_pause_days(context.args or [])
    except InvalidInput as bad:
        await send_html(update, ui(svc.kb, lang, "pause_bad", value=bad.value))
        return
    now = svc.clock()
    async with svc.db.transaction() as session:
        settings, _ = await reminders.get_or_create_settings(session, athlete.id, now)
        reminders.pause(settings, now, days)
        until = settings.paused_until
    if until is None:
        await send_html(update, ui(svc.kb, lang, "paused_indefinitely"))
        return
    local = until.astimezone(zone(athlete.timezone))
    await send_html(update, ui(svc.kb, lang, "paused_until", until=f"{local:%Y-%m-%d %H:%M}"))


async def resume_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """End a pause: the next tip and reminders come on their usual schedule."""
    svc = services(context)
    athlete = await known_athlete(svc, update)
    if athlete is None:
        return
    now = svc.clock()
    async with svc.db.transaction() as session:
        settings, _ = await reminders.get_or_create_settings(session, athlete.id, now)
        reminders.resume(settings, now)
    await send_html(update, ui(svc.kb, athlete.language, "resumed"))


async def snooze_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Repeat the latest warm-up reminder in 15 minutes, once."""
    svc = services(context)
    athlete = await known_athlete(svc, update)
    if athlete is None:
        return
    now = svc.clock()
    async with svc.db.transaction() as session:
        latest = await reminders.latest_snoozable(session, athlete.id, now)
        if latest is not None:
            await reminders.snooze(session, latest, athlete.id, now)
    key = "snoozed" if latest is not None else "nothing_to_snooze"
    await send_html(update, ui(svc.kb, athlete.language, key))


__all__ = [
    "checkin_button",
    "pause_command",
    "resume_command",
    "snooze_command",
    "warmup_button",
]
