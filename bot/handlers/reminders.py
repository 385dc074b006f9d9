"""Answers to scheduled messages, and /pause, /resume, /snooze.

Warm-up reminders carry `rm:<delivery>:<d|s|z>` (done, skip today, snooze 15
minutes); check-ins carry `ci:<delivery>:s:<0|1|2>` then, for triathletes,
`ci:<delivery>:w:<y|n>` (both built and parsed by `coaching.callbacks`). A
button for someone else's delivery, a forged one, or one from an older
check-in than the latest, changes nothing. A snooze is a one-off delivery:
the recurring schedule never moves, and it never brings a reminder back after
the run has started. A reminder answered long after its run is thanked as
late, not wished a good run.
"""

from __future__ import annotations

import datetime as dt

from telegram import Update

from bot.context import HipContext, athlete_only, on_button
from bot.render import keyboard
from coaching import progression, reminders
from coaching.callbacks import CheckinAnswer, SwimAnswer, WarmupAnswer
from coaching.outbox import Delivery
from coaching.reminders import NotAllowed, TooLate
from coaching.timeparse import InvalidInput
from knowledge.i18n import format_local_datetime, plural
from scheduler.messages import (
    checkin_extras,
    checkin_text,
    swim_buttons,
    warmup_buttons,
    warmup_extras,
)
from scheduler.recurrence import week_start, zone


def _week(delivery: Delivery, tz_name: str | None) -> dt.date:
    """The local week a check-in asks about (planned into its payload)."""
    raw = (delivery.payload or {}).get("week")
    if isinstance(raw, str):
        return dt.date.fromisoformat(raw)
    return week_start(delivery.due_at, tz_name)


def _local(context: HipContext, instant: dt.datetime, *, weekday: bool = False) -> str:
    """A moment as the athlete reads it: their language, their time zone."""
    return format_local_datetime(
        instant, zone(context.athlete.timezone), context.lang, weekday=weekday
    )


@on_button(WarmupAnswer)
@athlete_only
async def warmup_button(update: Update, context: HipContext, button: WarmupAnswer) -> None:
    """Done / Skip today / Snooze on a warm-up reminder."""
    session, athlete = await context.db(), context.athlete
    delivery = await session.get(Delivery, button.delivery_id)
    if delivery is None:
        context.toast("stale_button")
        return
    try:
        if button.action == "z":
            await reminders.snooze(session, delivery, athlete.id, context.now)
            context.toast("snoozed")
            context.edit(context.tapped_text)
            context.say("snoozed")
            return
        answer = "done" if button.action == "d" else "skip"
        stored = await reminders.record_warmup_ack(
            session, delivery, athlete.id, answer, context.now
        )
    except NotAllowed:
        context.toast("stale_button")
        return
    except TooLate:
        context.toast("snooze_too_late")
        # The same buttons, but Snooze: its run starts too soon for one.
        buttons = warmup_buttons(context.kb, context.lang, delivery, context.now)
        context.edit(context.tapped_text, keyboard(buttons))
        return
    if not stored:
        context.toast("warmup_already_answered")
        return
    label = context.t("warmup_done_button" if answer == "done" else "warmup_skip_button")
    answered = f"{context.tapped_text}\n\n✅ <b>{label}</b>"
    context.edit(answered, keyboard(warmup_extras(context.kb, context.lang)))
    if reminders.is_late(delivery, context.now):
        run = reminders.run_at(delivery) or delivery.due_at
        context.say("warmup_late_reply", run=_local(context, run, weekday=True))
    else:
        context.say("warmup_done_reply" if answer == "done" else "warmup_skip_reply")


async def _checkin(context: HipContext, delivery_id: int) -> Delivery | None:
    """The check-in named, only if it is the newest this athlete was sent."""
    session = await context.db()
    delivery = await session.get(Delivery, delivery_id)
    if delivery is None or not await reminders.is_current_checkin(
        session, delivery, context.athlete.id
    ):
        return None
    return delivery


async def _feedback(context: HipContext, week: dt.date, sessions: int, extra: str = "") -> None:
    streak = await reminders.current_streak(await context.db(), context.athlete.id, week)
    key = reminders.checkin_feedback_key(sessions, streak)
    weeks = plural(context.kb, context.lang, "count_weeks", streak)
    context.reply(context.t(key, weeks=weeks) + extra)


@on_button(CheckinAnswer)
@athlete_only
async def checkin_button(update: Update, context: HipContext, button: CheckinAnswer) -> None:
    """Strength sessions this week (0 / 1 / 2+); triathletes are asked about swimming next.

    The check-in keeps its cards, "too hard", "Something hurts" and (now that this
    week counts) the next level when earned: only the answer buttons go.
    """
    delivery = await _checkin(context, button.delivery_id)
    if delivery is None:
        context.toast("stale_button")
        return
    session, athlete, kb, lang = await context.db(), context.athlete, context.kb, context.lang
    week = _week(delivery, athlete.timezone)
    await reminders.record_checkin(
        session, athlete.id, week, button.sessions, delivery.id, context.now
    )
    ready = await progression.ready_for_next(session, kb, athlete.id, week, context.now)
    chosen = context.t(f"checkin_{button.sessions}")
    answered = f"{checkin_text(kb, lang, ready)}\n\n✅ <b>{chosen}</b>"
    context.edit(answered, keyboard(checkin_extras(kb, lang, ready)))
    if athlete.triathlete:
        swim = keyboard(swim_buttons(context.kb, context.lang, delivery.id))
        context.say("checkin_swim_question", swim)
        return
    await _feedback(context, week, button.sessions)


@on_button(SwimAnswer)
@athlete_only
async def swim_button(update: Update, context: HipContext, button: SwimAnswer) -> None:
    """A triathlete's swim this week, yes or no, after the strength answer."""
    delivery = await _checkin(context, button.delivery_id)
    athlete = context.athlete
    row = None
    if delivery is not None and athlete.triathlete:
        week = _week(delivery, athlete.timezone)
        row = await reminders.record_swim(
            await context.db(), athlete.id, week, button.swam, context.now
        )
    if delivery is None or row is None:
        context.toast("stale_button")
        return
    chosen = context.t("yes" if button.swam else "no")
    context.edit(f"{context.t('checkin_swim_question')}\n\n✅ <b>{chosen}</b>")
    nudge = "" if button.swam else "\n\n" + context.t("checkin_swim_nudge")
    await _feedback(context, week, row.strength_sessions, nudge)


@athlete_only
async def pause_command(update: Update, context: HipContext) -> None:
    """/pause N pauses tips and reminders for N days; /pause alone until /resume."""
    try:
        days = reminders.parse_pause_days(context.args or [])
    except InvalidInput as bad:
        context.say("pause_bad", value=bad.value, max=reminders.MAX_PAUSE_DAYS)
        return
    settings, _ = await reminders.get_or_create_settings(
        await context.db(), context.athlete.id, context.now
    )
    reminders.pause(settings, context.now, days)
    if settings.paused_until is None:
        context.say("paused_indefinitely")
        return
    context.say("paused_until", until=_local(context, settings.paused_until))


@athlete_only
async def resume_command(update: Update, context: HipContext) -> None:
    """End a pause: the next tip and reminders come on their usual schedule."""
    settings, _ = await reminders.get_or_create_settings(
        await context.db(), context.athlete.id, context.now
    )
    reminders.resume(settings, context.now)
    context.say("resumed")


@athlete_only
async def snooze_command(update: Update, context: HipContext) -> None:
    """Repeat the latest warm-up reminder in 15 minutes, once (never after the run starts)."""
    session = await context.db()
    latest = await reminders.latest_snoozable(session, context.athlete.id, context.now)
    if latest is None:
        context.say("nothing_to_snooze")
        return
    try:
        await reminders.snooze(session, latest, context.athlete.id, context.now)
    except TooLate:
        context.say("snooze_too_late")
        return
    context.say("snoozed")


__all__ = [
    "checkin_button",
    "pause_command",
    "resume_command",
    "snooze_command",
    "swim_button",
    "warmup_button",
]
