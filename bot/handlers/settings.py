"""/settings: run days and time, warm-up lead, tip and check-in day and time, time zone, switches.

One message with inline buttons `set:<what>[:<value>]` (`coaching.callbacks`) is
edited in place. Every change recomputes the next tip, warm-up and check-in at
once (`coaching.reminders.change`). Times and zones can also be typed: "Type it"
makes the typed value the chat's pending question (`coaching.pending`), so any
instance, before or after a restart, takes the answer, and /cancel or the
prompt's Cancel button ends it. Bad input gets a clear message and changes
nothing.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.context import HipContext, athlete_only, on_button
from bot.handlers.onboarding_questions import (
    COMMON_RUN_TIMES,
    COMMON_ZONES,
    WEEKDAY_KEYS,
    zone_confirmation,
    zone_text,
)
from bot.render import Button, chunk, keyboard
from coaching import reminders
from coaching.callbacks import QuestionButton, SettingsButton, WithdrawConsent
from coaching.models import Athlete
from coaching.pending import Kind, PendingQuestion
from coaching.reminders import Draft, Toggle
from coaching.reminders.models import ReminderSettings
from coaching.timeparse import InvalidInput, format_time_of_day
from knowledge.i18n import format_local_datetime
from scheduler.recurrence import zone

COMMON_TIP_TIMES = ("07:00", "08:00", "12:00", "18:00", "20:00")
COMMON_CHECKIN_TIMES = ("08:00", "12:00", "17:00", "18:00", "19:00", "20:00")
TYPED_PROMPTS = {
    Draft.TIMEZONE: "settings_type_timezone",
    Draft.RUN_TIME: "settings_type_time",
    Draft.TIP_TIME: "settings_type_time",
    Draft.CHECKIN_TIME: "settings_type_time",
}


def _data(what: str, value: str = "") -> str:
    return SettingsButton(what, value).encode()


def _hhmm(clock: str) -> str:
    return clock.replace(":", "")


def _on(value: bool) -> str:
    return "✅" if value else "⬜"


def _weekday(context: HipContext, day: int) -> str:
    return context.t(f"weekday_{WEEKDAY_KEYS[day]}")


def summary(context: HipContext, athlete: Athlete, settings: ReminderSettings) -> str:
    """The current settings as one message."""
    now = context.now
    days = ", ".join(_weekday(context, d) for d in athlete.run_days) or "—"
    if settings.paused:
        paused = context.t("settings_paused_indefinitely")
    elif settings.paused_until is not None and settings.paused_until > now:
        until = format_local_datetime(settings.paused_until, zone(athlete.timezone), context.lang)
        paused = context.t("settings_paused_until", until=until)
    else:
        paused = ""
    text = context.t(
        "settings_summary",
        timezone=zone_text(athlete.timezone or "UTC"),
        run_days=days,
        run_time=format_time_of_day(athlete.run_time) if athlete.run_time else "—",
        lead=settings.warmup_lead_minutes,
        tip_day=_weekday(context, settings.tip_weekday),
        tip_time=format_time_of_day(settings.tip_time),
    )
    checkin = context.t(
        "settings_summary_checkin",
        checkin_day=_weekday(context, settings.checkin_weekday),
        checkin_time=format_time_of_day(settings.checkin_time),
    )
    if not athlete.run_days:
        checkin += "\n" + context.t("settings_no_run_days")
    return f"{text}\n{checkin}\n{paused}".rstrip()


def main_menu(
    context: HipContext, athlete: Athlete, settings: ReminderSettings
) -> InlineKeyboardMarkup:
    t = context.t

    def switch(toggle: Toggle, key: str) -> Button:
        return f"{_on(reminders.is_enabled(settings, toggle))} {t(key)}", _data("tog", toggle)

    rows: list[list[Button]] = [
        [switch(Toggle.TIPS, "settings_tips"), switch(Toggle.WARMUPS, "settings_warmups")],
        [switch(Toggle.CHECKINS, "settings_checkins"), switch(Toggle.RETESTS, "settings_retests")],
        [(t("settings_run_days"), _data("days")), (t("settings_run_time"), _data("rt"))],
        [(t("settings_lead"), _data("lead")), (t("settings_timezone"), _data("tz"))],
        [(t("settings_tip_day"), _data("td")), (t("settings_tip_time"), _data("tt"))],
        [(t("settings_checkin_day"), _data("cd")), (t("settings_checkin_time"), _data("ct"))],
        [(t("settings_close"), _data("close"))],
    ]
    if athlete.consent_at is not None:  # asks first what it erases (bot/handlers/privacy.py)
        rows.insert(-1, [(t("settings_withdraw_consent"), WithdrawConsent().encode())])
    return keyboard(rows)


def submenu(
    context: HipContext, athlete: Athlete, what: str
) -> tuple[str, InlineKeyboardMarkup] | None:
    """The question and buttons for one setting, or None for an unknown one."""
    t = context.t
    back: list[Button] = [(t("back"), _data("menu"))]
    rows: list[list[Button]]
    if what == "days":
        days = [
            (
                f"{'✅ ' if d in athlete.run_days else ''}{_weekday(context, d)}",
                _data("day", str(d)),
            )
            for d in range(7)
        ]
        text = t("settings_ask_run_days")
        if not athlete.run_days:
            text += "\n\n" + t("settings_no_run_days")
        return text, keyboard([days[:4], days[4:], back])
    if what in ("rt", "tt", "ct"):
        times = {"rt": COMMON_RUN_TIMES, "tt": COMMON_TIP_TIMES, "ct": COMMON_CHECKIN_TIMES}[what]
        draft = {"rt": Draft.RUN_TIME, "tt": Draft.TIP_TIME, "ct": Draft.CHECKIN_TIME}[what]
        ask = {"rt": "settings_ask_run_time", "tt": "settings_ask_tip_time"}
        rows = chunk([(v, _data(what, _hhmm(v))) for v in times], 3)
        rows += [[(t("settings_type_it"), _data("type", draft))], back]
        return t(ask.get(what, "settings_ask_checkin_time")), keyboard(rows)
    if what in ("td", "cd"):
        days = [(_weekday(context, d), _data(what, str(d))) for d in range(7)]
        ask_day = "settings_ask_tip_day" if what == "td" else "settings_ask_checkin_day"
        return t(ask_day), keyboard([days[:4], days[4:], back])
    if what == "lead":
        rows = chunk([(f"{m} min", _data("lead", str(m))) for m in reminders.LEAD_CHOICES], 3)
        return t("settings_ask_lead"), keyboard([*rows, back])
    if what == "tz":
        rows = chunk([(z, _data("tz", z)) for z in COMMON_ZONES], 2)
        rows += [[(t("settings_type_it"), _data("type", Draft.TIMEZONE))], back]
        return t("settings_ask_timezone"), keyboard(rows)
    return None


async def _settings(context: HipContext) -> ReminderSettings:
    return await reminders.open_settings(
        await context.db(), context.athlete, context.now, context.svc.reschedule
    )


@athlete_only
async def settings_command(update: Update, context: HipContext) -> None:
    """Show the reminder settings with buttons to change them."""
    settings = await _settings(context)
    context.reply(
        summary(context, context.athlete, settings), main_menu(context, context.athlete, settings)
    )


@on_button(SettingsButton)
@athlete_only
async def button(update: Update, context: HipContext, button: SettingsButton) -> None:
    """Any `set:` button: open a submenu, change a setting, wait for typed input, or close."""
    athlete, what, value = context.athlete, button.what, button.value
    await context.stop_waiting(Kind.SETTINGS)  # a tap ends any typed answer still awaited
    if what == "type":
        await _ask_typed(context, value)
        return
    if value and what != "menu":
        try:
            settings = await reminders.change(
                await context.db(), athlete, what, value, context.now, context.svc.reschedule
            )
        except InvalidInput:
            context.toast("stale_button")
            return
        context.toast("settings_saved")
    else:
        settings = await _settings(context)
    if what == "close":
        context.edit(summary(context, athlete, settings))
        return
    if what == "day":
        opened = submenu(context, athlete, "days")
    else:
        opened = None if value else submenu(context, athlete, what)
    if opened is not None:
        context.edit(*opened)
        return
    context.edit(summary(context, athlete, settings), main_menu(context, athlete, settings))


async def _ask_typed(context: HipContext, value: str) -> None:
    """ "Type it": the chat now waits for a typed time or zone, with a Cancel button."""
    try:
        draft = Draft(value)
    except ValueError:
        context.toast("stale_button")
        return
    question = await context.wait_for(Kind.SETTINGS, step=draft.value)
    cancel = [[(context.t("cancel"), QuestionButton(question.id, "x").encode())]]
    context.ask(context.t(TYPED_PROMPTS[draft]), keyboard(cancel))


async def answer_text(
    update: Update, context: HipContext, question: PendingQuestion, text: str
) -> None:
    """The typed time or zone /settings waits for; a bad one is explained and waited for again."""
    athlete = await context.find_athlete()
    try:
        draft = Draft(question.step or "")
    except ValueError:
        draft = None
    if athlete is None or draft is None:
        await context.stop_waiting(Kind.SETTINGS)
        context.say("stray_text")
        return
    try:
        settings = await reminders.type_value(
            await context.db(), athlete, draft, text, context.now, context.svc.reschedule
        )
    except InvalidInput as bad:
        key = "bad_timezone" if draft is Draft.TIMEZONE else "bad_time"
        context.say(key, value=bad.value)
        return
    await context.stop_waiting(Kind.SETTINGS)
    saved = context.t("settings_saved")
    if draft is Draft.TIMEZONE:
        saved += "\n" + zone_confirmation(context, athlete.timezone)
    context.reply(
        saved + "\n\n" + summary(context, athlete, settings), main_menu(context, athlete, settings)
    )


__all__ = ["answer_text", "button", "settings_command"]
