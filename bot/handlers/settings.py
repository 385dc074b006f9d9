"""/settings: run days and time, warm-up lead, tip and check-in day and time, time zone, switches.

One message with inline buttons `set:<what>[:<value>]` (`coaching.callbacks`) is
edited in place.
Times and zones can also be typed: the awaited input is stored as a draft on
`reminder_settings` (not in memory), so any instance can take it. Every change
recomputes the next tip, warm-up and check-in at once; bad input gets a clear
message and changes nothing. As everywhere, the change is committed before
any reply goes out: no Bot API call is made inside a transaction.
"""

from __future__ import annotations

import datetime as dt

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.handlers.common import language, load_athlete, tapped
from bot.handlers.onboarding_questions import COMMON_RUN_TIMES, COMMON_ZONES, WEEKDAY_KEYS
from bot.render import Button, chunk, keyboard, ui
from bot.services import Services, services
from bot.telegram_io import answer_query, edit_query_message, send_html
from coaching import reminders
from coaching.callbacks import SettingsButton, WithdrawConsent
from coaching.models import Athlete
from coaching.reminders import Draft, Toggle
from coaching.reminders.models import ReminderSettings
from coaching.timeparse import InvalidInput, format_time_of_day, parse_time_of_day, parse_timezone
from knowledge.schema import FALLBACK_LANGUAGE
from scheduler.planner import reschedule
from scheduler.recurrence import zone

COMMON_TIP_TIMES = ("07:00", "08:00", "12:00", "18:00", "20:00")
COMMON_CHECKIN_TIMES = ("08:00", "12:00", "17:00", "18:00", "19:00", "20:00")


def _data(what: str, value: str = "") -> str:
    return SettingsButton(what, value).encode()


def _hhmm(clock: str) -> str:
    return clock.replace(":", "")


def _on(value: bool) -> str:
    return "✅" if value else "⬜"


def _weekday(svc: Services, lang: str, day: int) -> str:
    return ui(svc.kb, lang, f"weekday_{WEEKDAY_KEYS[day]}")


def summary(svc: Services, athlete: Athlete, settings: ReminderSettings, now: dt.datetime) -> str:
    """The current settings as one message."""
    lang = athlete.language
    days = ", ".join(_weekday(svc, lang, d) for d in athlete.run_days) or "—"
    if settings.paused:
        paused = ui(svc.kb, lang, "settings_paused_indefinitely")
    elif settings.paused_until is not None and settings.paused_until > now:
        local = settings.paused_until.astimezone(zone(athlete.timezone))
        paused = ui(svc.kb, lang, "settings_paused_until", until=f"{local:%Y-%m-%d %H:%M}")
    else:
        paused = ""
    text = ui(
        svc.kb,
        lang,
        "settings_summary",
        timezone=athlete.timezone or "UTC",
        run_days=days,
        run_time=format_time_of_day(athlete.run_time) if athlete.run_time else "—",
        lead=settings.warmup_lead_minutes,
        tip_day=_weekday(svc, lang, settings.tip_weekday),
        tip_time=format_time_of_day(settings.tip_time),
    )
    checkin = ui(
        svc.kb,
        lang,
        "settings_summary_checkin",
        checkin_day=_weekday(svc, lang, settings.checkin_weekday),
        checkin_time=format_time_of_day(settings.checkin_time),
    )
    return f"{text}\n{checkin}\n{paused}".rstrip()


def main_menu(svc: Services, athlete: Athlete, settings: ReminderSettings) -> InlineKeyboardMarkup:
    lang = athlete.language

    def t(key: str) -> str:
        return ui(svc.kb, lang, key)

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
    if athlete.consent_at is not None:  # one tap; handled by bot/handlers/privacy.py
        rows.insert(-1, [(t("settings_withdraw_consent"), WithdrawConsent().encode())])
    return keyboard(rows)


def submenu(
    svc: Services, athlete: Athlete, settings: ReminderSettings, what: str
) -> tuple[str, InlineKeyboardMarkup] | None:
    """The question and buttons for one setting, or None for an unknown one."""
    lang = athlete.language

    def t(key: str) -> str:
        return ui(svc.kb, lang, key)

    back: list[Button] = [(t("back"), _data("menu"))]
    rows: list[list[Button]]
    if what == "days":
        days = [
            (
                f"{'✅ ' if d in athlete.run_days else ''}{_weekday(svc, lang, d)}",
                _data("day", str(d)),
            )
            for d in range(7)
        ]
        return t("settings_ask_run_days"), keyboard([days[:4], days[4:], back])
    if what == "rt":
        rows = chunk([(v, _data("rt", _hhmm(v))) for v in COMMON_RUN_TIMES], 3)
        rows += [[(t("settings_type_it"), _data("type", Draft.RUN_TIME))], back]
        return t("settings_ask_run_time"), keyboard(rows)
    if what == "tt":
        rows = chunk([(v, _data("tt", _hhmm(v))) for v in COMMON_TIP_TIMES], 3)
        rows += [[(t("settings_type_it"), _data("type", Draft.TIP_TIME))], back]
        return t("settings_ask_tip_time"), keyboard(rows)
    if what == "td":
        days = [(_weekday(svc, lang, d), _data("td", str(d))) for d in range(7)]
        return t("settings_ask_tip_day"), keyboard([days[:4], days[4:], back])
    if what == "ct":
        rows = chunk([(v, _data("ct", _hhmm(v))) for v in COMMON_CHECKIN_TIMES], 3)
        rows += [[(t("settings_type_it"), _data("type", Draft.CHECKIN_TIME))], back]
        return t("settings_ask_checkin_time"), keyboard(rows)
    if what == "cd":
        days = [(_weekday(svc, lang, d), _data("cd", str(d))) for d in range(7)]
        return t("settings_ask_checkin_day"), keyboard([days[:4], days[4:], back])
    if what == "lead":
        rows = chunk([(f"{m} min", _data("lead", str(m))) for m in reminders.LEAD_CHOICES], 3)
        return t("settings_ask_lead"), keyboard([*rows, back])
    if what == "tz":
        rows = chunk([(z, _data("tz", z)) for z in COMMON_ZONES], 2)
        rows += [[(t("settings_type_it"), _data("type", Draft.TIMEZONE))], back]
        return t("settings_ask_timezone"), keyboard(rows)
    return None


def apply(
    athlete: Athlete, settings: ReminderSettings, what: str, value: str, now: dt.datetime
) -> None:
    """Apply one settings button; `InvalidInput` for a value the domain refuses.

    The codec has already checked each value's shape (days and minutes are ASCII
    digits, times are HHMM), so `int()` and the slicing below cannot fail.
    """
    if what == "tog":
        reminders.toggle(settings, value, now)
    elif what == "day":
        reminders.toggle_run_day(athlete, int(value))
    elif what == "rt":
        athlete.run_time = parse_time_of_day(f"{value[:2]}:{value[2:]}")
    elif what == "tt":
        settings.tip_time = parse_time_of_day(f"{value[:2]}:{value[2:]}")
    elif what == "td":
        reminders.set_tip_day(settings, int(value), now)
    elif what == "ct":
        settings.checkin_time = parse_time_of_day(f"{value[:2]}:{value[2:]}")
    elif what == "cd":
        reminders.set_checkin_day(settings, int(value), now)
    elif what == "lead":
        reminders.set_lead(settings, int(value), now)
    elif what == "tz":
        athlete.timezone = parse_timezone(value)
    else:
        raise InvalidInput(f"{what}:{value}")
    settings.updated_at = now


async def _load(
    svc: Services, athlete_id: int, now: dt.datetime
) -> tuple[Athlete, ReminderSettings] | None:
    async with svc.db.transaction() as session:
        athlete = await session.get(Athlete, athlete_id)
        if athlete is None:
            return None
        settings, created = await reminders.get_or_create_settings(session, athlete_id, now)
        if created:
            reschedule(settings, athlete, now)
        return athlete, settings


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the reminder settings with buttons to change them."""
    svc = services(context)
    user = update.effective_user
    assert user is not None
    now = svc.clock()
    loaded = await _load(svc, user.id, now)
    if loaded is None:
        await send_html(update, ui(svc.kb, FALLBACK_LANGUAGE, "start_first"))
        return
    athlete, settings = loaded
    await send_html(update, summary(svc, athlete, settings, now), main_menu(svc, athlete, settings))


async def _refuse(update: Update, svc: Services) -> None:
    """Forged or garbled `set:` data: the polite "older message" notice, nothing changed."""
    query = update.callback_query
    assert query is not None
    athlete = await load_athlete(svc, update)
    await answer_query(query, ui(svc.kb, language(update, athlete), "stale_button"))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any `set:` button: open a submenu, change a setting, wait for typed input, or close."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    tap = tapped(update)
    if not isinstance(tap, SettingsButton):
        await _refuse(update, svc)
        return
    what, value = tap.what, tap.value
    now = svc.clock()
    refused = False
    async with svc.db.transaction() as session:
        athlete = await session.get(Athlete, query.from_user.id)
        if athlete is not None:
            settings, created = await reminders.get_or_create_settings(session, athlete.id, now)
            if created:
                reschedule(settings, athlete, now)
            reminders.clear_draft(settings)
            if what == "type":
                try:
                    draft = Draft(value)
                except ValueError:
                    draft = None
                if draft is not None:
                    reminders.begin_draft(settings, draft, now)
            elif value and what != "menu":
                try:
                    apply(athlete, settings, what, value, now)
                except InvalidInput:
                    refused = True  # the cleared draft is still committed, as before
                else:
                    reschedule(settings, athlete, now)
    if athlete is None:
        await answer_query(query, ui(svc.kb, FALLBACK_LANGUAGE, "start_first"))
        return
    lang = athlete.language
    if refused:
        await answer_query(query, ui(svc.kb, lang, "stale_button"))
        return
    if what == "type":
        prompt = "settings_type_timezone" if value == Draft.TIMEZONE else "settings_type_time"
        await answer_query(query)
        await send_html(update, ui(svc.kb, lang, prompt))
        return
    await answer_query(query)
    if what == "close":
        await edit_query_message(query, summary(svc, athlete, settings, now))
        return
    if what == "day":
        opened = submenu(svc, athlete, settings, "days")
    else:
        opened = None if value else submenu(svc, athlete, settings, what)
    if opened is not None:
        await edit_query_message(query, *opened)
        return
    await edit_query_message(
        query, summary(svc, athlete, settings, now), main_menu(svc, athlete, settings)
    )


async def answer_text(update: Update, svc: Services, athlete: Athlete, text: str) -> bool:
    """Typed input awaited by /settings; False if /settings is not waiting for any."""
    now = svc.clock()
    lang = athlete.language
    refusal: str | None = None
    async with svc.db.transaction() as session:
        settings = await session.get(ReminderSettings, athlete.id)
        draft = reminders.current_draft(settings, now) if settings is not None else None
        if settings is None or draft is None:
            return False
        fresh = await session.get(Athlete, athlete.id)
        assert fresh is not None
        try:
            reminders.apply_typed(settings, fresh, draft, text, now)
        except InvalidInput as bad:
            key = "bad_timezone" if draft is Draft.TIMEZONE else "bad_time"
            refusal = ui(svc.kb, lang, key, value=bad.value)
        else:
            reschedule(settings, fresh, now)
    if refusal is not None:
        await send_html(update, refusal)
        return True
    await send_html(
        update,
        ui(svc.kb, lang, "settings_saved") + "\n\n" + summary(svc, fresh, settings, now),
        main_menu(svc, fresh, settings),
    )
    return True


__all__ = ["answer_text", "button", "settings_command"]
