"""/start: greeting, consent, time zone, running days and time, triathlete; and the review.

Each answer is stored on the athlete before the bot replies (`coaching.onboarding`,
whose transition table `docs/onboarding.mmd` is drawn from); buttons carry
`ob:<step>:<value>` (`coaching.callbacks`) and are refused if that step is not
current. The question asked is the chat's pending question, so /cancel, typed
text and a restart find it. /start again shows the answers for review;
changing them never asks a consented athlete for consent again, and withdrawing
it is confirmed with what it erases (`coaching.consent`).
"""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardMarkup, Update

from bot.context import HipContext, athlete_only, handler, on_button
from bot.handlers import coaches as coach_handlers
from bot.handlers import privacy as privacy_handlers
from bot.handlers.onboarding_questions import (
    ask_next,
    ask_step,
    profile_summary,
    question,
    run_days_text,
    zone_confirmation,
)
from bot.render import keyboard
from coaching import consent, onboarding
from coaching.callbacks import OnboardingAnswer, WithdrawConsent
from coaching.consent import Origin
from coaching.models import Athlete
from coaching.names import clean_name
from coaching.onboarding import Go, InvalidInput, Outcome, StaleAnswer, Step
from coaching.pending import Kind, PendingQuestion
from coaching.timeparse import display_zone, format_time_of_day, timezone_at

FIRST_NAME_MAX = 64  # Telegram's limit, and the length of `athlete.first_name`
REVIEW = "review"


def review_question(context: HipContext, athlete: Athlete) -> tuple[str, InlineKeyboardMarkup]:
    """The answers so far, with Change / Looks good (and Withdraw consent, if given)."""
    rows = [
        [(context.t("review_edit"), OnboardingAnswer(REVIEW, "edit").encode())],
        [(context.t("review_ok"), OnboardingAnswer(REVIEW, "ok").encode())],
    ]
    if athlete.consent_at is not None:
        rows.append([(context.t("settings_withdraw_consent"), WithdrawConsent().encode())])
    text = context.t("review_intro") + "\n\n" + profile_summary(context.kb, athlete)
    return text, keyboard(rows)


def confirmation(context: HipContext, athlete: Athlete, step: Step) -> str:
    """How the answer just given to `step` is confirmed under its question."""
    if step is Step.TIMEZONE:
        return zone_confirmation(context, athlete.timezone)
    if step is Step.CONSENT:
        answer = context.t("yes" if athlete.consent_at else "no")
    elif step is Step.RUN_DAYS:
        answer = run_days_text(context.kb, athlete)
    elif step is Step.RUN_TIME:
        answer = format_time_of_day(athlete.run_time) if athlete.run_time else "—"
    else:
        answer = context.t("yes" if athlete.triathlete else "no")
    return f"✅ <b>{answer}</b>"


async def show_review(context: HipContext, athlete: Athlete, *, on_tapped: bool = False) -> None:
    """The answers, as the chat's question (so /cancel and typed text find it)."""
    await context.wait_for(Kind.ONBOARDING, step=REVIEW, on_tapped=on_tapped)
    if on_tapped:
        context.edit(*review_question(context, athlete))
    else:
        context.ask(*review_question(context, athlete))


@handler
async def start(update: Update, context: HipContext) -> None:
    """Greet, record the deep-link source, and begin, resume or review onboarding."""
    user = update.effective_user
    assert user is not None
    payload = context.args[0] if context.args else None
    name = clean_name(user.first_name, limit=FIRST_NAME_MAX)
    started = await onboarding.start(await context.db(), user.id, name, user.language_code, payload)
    athlete = started.athlete
    context.have_athlete(athlete)
    if payload and await coach_handlers.start_payload(update, context, payload):
        return  # a group join or coach invite link: that flow takes over
    if started.step is None:
        await show_review(context, athlete)
        return
    if started.created or started.step is Step.CONSENT:
        context.say("welcome", name=name)
    await ask_step(context, athlete, started.step)


async def _review_button(context: HipContext, athlete: Athlete, value: str) -> None:
    """Change my answers (from where consent is not asked again) or Looks good."""
    if athlete.onboarded_at is None:  # nothing to review yet: an old or forged button
        context.toast("stale_button")
        return
    if value == "edit":
        step = onboarding.review(athlete)
        context.edit(profile_summary(context.kb, athlete))
        await ask_step(context, athlete, step)
        return
    onboarding.keep_answers(athlete)
    await context.stop_waiting(Kind.ONBOARDING)
    context.toast("review_kept")
    context.edit(profile_summary(context.kb, athlete) + "\n\n" + context.t("review_kept"))


@on_button(OnboardingAnswer)
@athlete_only
async def answer_button(update: Update, context: HipContext, button: OnboardingAnswer) -> None:
    """Store an onboarding button press, confirm it, and ask the next question."""
    athlete = context.athlete
    if button.step == REVIEW:
        await _review_button(context, athlete, button.value)
        return
    asked = onboarding.current_step(athlete)
    try:
        outcome = onboarding.apply_button(athlete, button.step, button.value, context.now)
    except (StaleAnswer, InvalidInput):
        context.toast("stale_button")
        if asked is not None:
            await ask_step(context, athlete, asked)
        return
    assert asked is not None
    await _after_answer(context, athlete, asked, outcome)


async def _after_answer(
    context: HipContext, athlete: Athlete, asked: Step, outcome: Outcome
) -> None:
    """Show what the answer did: the question refreshed, a note, a confirmation, or the next."""
    if outcome.go is Go.STAYED:
        await context.wait_for(Kind.ONBOARDING, step=asked.value, on_tapped=True)
        context.edit(*question(context.kb, athlete, asked))
    elif outcome.go is Go.NO_DAYS_NOTE:
        await context.wait_for(Kind.ONBOARDING, step=asked.value, on_tapped=True)
        context.edit(*question(context.kb, athlete, asked, no_days_note=True))
    elif outcome.go is Go.TYPE_IT:
        context.say("tz_other_hint")
    elif outcome.go is Go.REVIEW:
        await show_review(context, athlete, on_tapped=True)
    elif outcome.go is Go.WITHDRAWAL:
        withdrawal = await consent.ask_withdrawal(
            await context.db(), athlete, Origin.ONBOARDING, context.now
        )
        assert withdrawal is not None
        text, _ = question(context.kb, athlete, asked)
        context.edit(text)
        if withdrawal.question is None:  # nothing was stored: consent went at once
            context.say("consent_withdrawn_nothing")
            await ask_next(context, athlete, withdrawal.next_step)
        else:
            privacy_handlers.ask_withdrawal(context, withdrawal)
    else:
        text, _ = question(context.kb, athlete, asked)
        context.edit(f"{text}\n\n{confirmation(context, athlete, asked)}")
        if asked is Step.CONSENT and athlete.consent_at is None:
            await coach_handlers.note_declined_consent(context, athlete.id)
        await ask_next(context, athlete, outcome.next_step)


async def answer_text(
    update: Update, context: HipContext, pending: PendingQuestion, text: str
) -> None:
    """Typed input during onboarding: a time zone or a run time; anything else is hinted."""
    athlete = await context.find_athlete()
    if athlete is None:
        await context.stop_waiting()
        context.say("start_first")
        return
    step = onboarding.current_step(athlete)
    if pending.step == REVIEW or step is None:
        context.say("use_buttons")
        await show_review(context, athlete)
        return
    try:
        outcome = onboarding.apply_text(athlete, text, context.now)
    except InvalidInput as bad:
        key = "bad_timezone" if step is Step.TIMEZONE else "bad_time"
        context.say(key, value=bad.value)
        return
    except StaleAnswer:
        context.say("use_buttons")
        await ask_step(context, athlete, step)
        return
    context.reply(confirmation(context, athlete, step))
    await ask_next(context, athlete, outcome.next_step)


@athlete_only
async def answer_location(update: Update, context: HipContext) -> None:
    """A shared location sets the time zone while onboarding asks for it."""
    message = update.effective_message
    assert message is not None and message.location is not None
    lat, lon = message.location.latitude, message.location.longitude
    try:
        zone = await asyncio.to_thread(timezone_at, lat, lon)
    except InvalidInput:
        context.say("location_unknown")
        return
    athlete = context.athlete
    try:
        outcome = onboarding.apply_location(athlete, zone, context.now)
    except StaleAnswer:
        context.say("location_not_needed")
        return
    context.say("location_zone", zone=display_zone(zone))
    context.reply(confirmation(context, athlete, Step.TIMEZONE))
    await ask_next(context, athlete, outcome.next_step)


__all__ = ["answer_button", "answer_location", "answer_text", "ask_next", "start"]
