"""/start: greeting, consent, time zone, running days and time, triathlete.

Each answer is stored on the athlete before the bot replies (`coaching.onboarding`);
buttons carry `ob:<step>:<value>` (`coaching.callbacks`) and are refused if that
step is not current.
"""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers import coaches as coach_handlers
from bot.handlers.common import tapped
from bot.handlers.onboarding_questions import WEEKDAY_KEYS, question
from bot.render import keyboard, ui
from bot.services import Services, services
from bot.telegram_io import answer_query, edit_query_message, send_html
from coaching import onboarding, privacy
from coaching.callbacks import OnboardingAnswer, SelftestStart
from coaching.models import Athlete
from coaching.names import clean_name
from coaching.onboarding import InvalidInput, Outcome, StaleAnswer, Step
from coaching.timeparse import format_time_of_day, timezone_at
from knowledge.schema import FALLBACK_LANGUAGE

FIRST_NAME_MAX = 64  # Telegram's limit, and the length of `athlete.first_name`


def run_days_text(svc: Services, athlete: Athlete) -> str:
    names = [ui(svc.kb, athlete.language, f"weekday_{WEEKDAY_KEYS[d]}") for d in athlete.run_days]
    return ", ".join(names) or "—"


def profile_summary(svc: Services, athlete: Athlete) -> str:
    lang = athlete.language
    return ui(
        svc.kb,
        lang,
        "review_profile",
        timezone=athlete.timezone or "—",
        run_days=run_days_text(svc, athlete),
        run_time=format_time_of_day(athlete.run_time) if athlete.run_time else "—",
        triathlete=ui(svc.kb, lang, "yes" if athlete.triathlete else "no"),
        consent=ui(svc.kb, lang, "yes" if athlete.consent_at else "no"),
    )


def chosen_answer(svc: Services, athlete: Athlete, step: Step) -> str:
    """How the answer just given to `step` is confirmed under its question."""
    lang = athlete.language
    if step is Step.CONSENT:
        return ui(svc.kb, lang, "yes" if athlete.consent_at else "no")
    if step is Step.TIMEZONE:
        return athlete.timezone or "—"
    if step is Step.RUN_DAYS:
        return run_days_text(svc, athlete)
    if step is Step.RUN_TIME:
        return format_time_of_day(athlete.run_time) if athlete.run_time else "—"
    return ui(svc.kb, lang, "yes" if athlete.triathlete else "no")


async def send_next(update: Update, svc: Services, athlete: Athlete, step: Step | None) -> None:
    """Ask the next question, or close onboarding with the profile and the self-test offer."""
    if step is not None:
        await send_html(update, *question(svc, athlete, step))
        return
    lang = athlete.language
    await send_html(
        update,
        ui(svc.kb, lang, "onboarding_done") + "\n\n" + profile_summary(svc, athlete),
        keyboard([[(ui(svc.kb, lang, "start_selftest"), SelftestStart("new").encode())]]),
    )


async def reask(update: Update, svc: Services, athlete: Athlete, notice_key: str) -> None:
    """Explain why the input was not taken and show the current question again."""
    await send_html(update, ui(svc.kb, athlete.language, notice_key))
    step = onboarding.current_step(athlete)
    if step is not None:
        await send_html(update, *question(svc, athlete, step))


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet, record the deep-link source, and begin, resume or review onboarding."""
    svc = services(context)
    user = update.effective_user
    assert user is not None
    payload = context.args[0] if context.args else None
    name = clean_name(user.first_name, limit=FIRST_NAME_MAX)
    async with svc.db.transaction() as session:
        athlete, created = await onboarding.get_or_create(
            session, user.id, name, user.language_code
        )
        athlete.active = True  # a new /start after blocking the bot re-activates reminders
        source = onboarding.clean_source(payload)
        if source and athlete.source is None:
            athlete.source = source
        reviewing = onboarding.is_onboarded(athlete)
        step = onboarding.current_step(athlete)
        if step is None and not reviewing:
            step = onboarding.begin(athlete)
    if payload and await coach_handlers.start_payload(update, context, payload):
        return  # a group join or coach invite link: that flow takes over
    lang = athlete.language
    if reviewing:
        buttons = [
            [(ui(svc.kb, lang, "review_edit"), OnboardingAnswer("review", "edit").encode())],
            [(ui(svc.kb, lang, "review_ok"), OnboardingAnswer("review", "ok").encode())],
        ]
        text = ui(svc.kb, lang, "review_intro") + "\n\n" + profile_summary(svc, athlete)
        await send_html(update, text, keyboard(buttons))
        return
    if created or step is Step.CONSENT:
        await send_html(update, ui(svc.kb, lang, "welcome", name=name))
    await send_html(update, *question(svc, athlete, step or Step.CONSENT))


async def answer_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Store an onboarding button press, confirm it, and ask the next question."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    tap = tapped(update)
    button = tap if isinstance(tap, OnboardingAnswer) else None
    step_name, value = (button.step, button.value) if button is not None else ("", "")
    now = svc.clock()
    outcome: Outcome | None = None
    notice: str | None = None  # a reply that does not move the flow on
    withdrew = False
    async with svc.db.transaction() as session:
        athlete = await session.get(Athlete, query.from_user.id)
        answered = onboarding.current_step(athlete) if athlete is not None else None
        try:
            if athlete is None or button is None:
                pass
            elif step_name == "review":
                if value == "edit":
                    outcome = Outcome(True, onboarding.begin(athlete))
                else:
                    notice = "review_ok"
            elif step_name == Step.TIMEZONE and value == "other" and answered is Step.TIMEZONE:
                notice = "tz_other_hint"
            else:
                had_consent = athlete.consent_at is not None
                outcome = onboarding.apply_button(athlete, step_name, value, now)
                if had_consent and athlete.consent_at is None:
                    # Saying no on review withdraws consent: the health data goes with it.
                    withdrew = await privacy.withdraw_consent(session, athlete.id, now)
        except (StaleAnswer, InvalidInput):
            pass
    if athlete is None:
        await answer_query(query, ui(svc.kb, FALLBACK_LANGUAGE, "stale_button"))
        return
    if notice == "review_ok":
        await answer_query(query)
        await edit_query_message(query, profile_summary(svc, athlete))
        return
    if notice is not None:
        await answer_query(query)
        await send_html(update, ui(svc.kb, athlete.language, notice))
        return
    if withdrew:
        await send_html(update, ui(svc.kb, athlete.language, "consent_withdrawn"))
    lang = athlete.language
    if outcome is None:
        await answer_query(query, ui(svc.kb, lang, "stale_button"))
        await reask(update, svc, athlete, "stale_button")
        return
    await answer_query(query)
    if not outcome.advanced and answered is not None:
        await edit_query_message(query, *question(svc, athlete, answered))
        return
    if answered is not None and step_name != "review":
        asked, _ = question(svc, athlete, answered)
        await edit_query_message(
            query, f"{asked}\n\n✅ <b>{chosen_answer(svc, athlete, answered)}</b>"
        )
    await send_next(update, svc, athlete, outcome.next_step)


async def answer_text(update: Update, svc: Services, athlete: Athlete, text: str) -> None:
    """Typed input during onboarding: a time zone or a run time, else re-ask."""
    step = onboarding.current_step(athlete)
    assert step is not None
    lang = athlete.language
    outcome: Outcome | None = None
    refused: str | None = None
    async with svc.db.transaction() as session:
        fresh = await session.get(Athlete, athlete.id)
        assert fresh is not None
        try:
            outcome = onboarding.apply_text(fresh, text, svc.clock())
        except InvalidInput as bad:
            refused = bad.value
        except StaleAnswer:
            pass
    if refused is not None:
        key = "bad_timezone" if step is Step.TIMEZONE else "bad_time"
        await send_html(update, ui(svc.kb, lang, key, value=refused))
    elif outcome is None:
        await reask(update, svc, fresh, "use_buttons")
    else:
        await send_next(update, svc, fresh, outcome.next_step)


async def answer_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A shared location sets the time zone while onboarding asks for it."""
    svc = services(context)
    message = update.effective_message
    user = update.effective_user
    assert message is not None and message.location is not None and user is not None
    lat, lon = message.location.latitude, message.location.longitude
    try:
        zone = await asyncio.to_thread(timezone_at, lat, lon)
    except InvalidInput:
        zone = None
    async with svc.db.transaction() as session:
        athlete = await session.get(Athlete, user.id)
        outcome: Outcome | None = None
        if athlete is not None and zone is not None:
            try:
                outcome = onboarding.apply_location(athlete, zone, svc.clock())
            except StaleAnswer:
                outcome = None
    if athlete is None:
        await send_html(
            update, ui(svc.kb, onboarding.language_for(user.language_code), "start_first")
        )
        return
    if zone is None:
        await send_html(update, ui(svc.kb, athlete.language, "location_unknown"))
        return
    if outcome is None:
        await send_html(update, ui(svc.kb, athlete.language, "location_not_needed"))
        return
    await send_html(update, ui(svc.kb, athlete.language, "location_zone", zone=zone))
    await send_next(update, svc, athlete, outcome.next_step)
