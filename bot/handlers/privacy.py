"""/privacy, /export, /delete, withdrawing consent, and the retention job.

Buttons carry ``pv:del:<unix time the question was asked>``, ``pv:keep`` and
``pv:withdraw`` (``coaching.callbacks``). They name no athlete: whoever taps
acts on their own data only, so a forged or forwarded button can never touch
someone else's. A delete confirmation older than ``CONFIRM_TTL`` is refused as
stale.

Withdrawing consent (from /settings, the /start review, or "No, thanks" at a
consent given before) first says how many results, check-ins and answers it
erases and waits for a yes, as the chat's pending question: its buttons are
``q:<question>:y`` and ``q:<question>:x`` (``coaching.consent``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from telegram import Update
from telegram.ext import CallbackContext

from bot.context import HipApplication, HipContext, handler, on_button, services
from bot.handlers.onboarding_questions import ask_next
from bot.render import keyboard
from bot.services import SERVICES_KEY, Services
from coaching import consent, pending, privacy
from coaching.callbacks import DeleteConfirm, DeleteKeep, QuestionButton, WithdrawConsent
from coaching.consent import Origin
from coaching.pending import PendingQuestion
from knowledge.i18n import plural

log = logging.getLogger(__name__)

CONFIRM_TTL = dt.timedelta(minutes=15)
RETENTION_JOB = "retention"
RETENTION_EVERY = dt.timedelta(days=1)
RETENTION_FIRST = dt.timedelta(minutes=5)


def _and_coach(text: str, found: privacy.Held, coach_text: str) -> str:
    """`text`, followed for a coach by what it means for their groups and their athletes."""
    return f"{text}\n\n{coach_text}" if found.coach else text


def _coach_part(context: HipContext, base: str, found: privacy.Held) -> str:
    """The coach's part of a privacy text, in the plural its number of groups needs."""
    return plural(context.kb, context.lang, base, found.groups, members=found.members)


@handler
async def privacy_command(update: Update, context: HipContext) -> None:
    """Say what is stored, why, for how long, who sees it, and how to export or erase it."""
    await context.find_athlete()
    kb, lang, months = context.kb, context.lang, context.svc.settings.retention_months
    how_long = (  # RETENTION_MONTHS=0 keeps health data until the person deletes it
        plural(kb, lang, "privacy_how_long", months)
        if months
        else kb.ui_text("privacy_how_long_kept", lang)
    )
    context.reply(kb.ui_text("privacy_text", lang, how_long=how_long))


@handler
async def export_command(update: Update, context: HipContext) -> None:
    """Send everything stored about the person (athlete, coach or both) as one JSON file."""
    session = await context.db()
    await context.find_athlete()
    found = await privacy.held(session, context.user_id)
    data = await privacy.export(session, context.user_id, context.now) if found else None
    if found is None or data is None:
        context.say("privacy_nothing_stored")
        return
    caption = _and_coach(
        context.t("export_caption"), found, _coach_part(context, "export_caption_coach", found)
    )
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    context.reply_document(body, f"hipcoach-export-{context.now:%Y%m%d}.json", caption)


@handler
async def delete_command(update: Update, context: HipContext) -> None:
    """Ask for confirmation, saying what goes (and, for a coach, what happens to their groups)."""
    await context.find_athlete()
    found = await privacy.held(await context.db(), context.user_id)
    if found is None:
        context.say("privacy_nothing_stored")
        return
    question = context.t("delete_confirm" if found.athlete else "delete_confirm_coach_only")
    question = _and_coach(question, found, _coach_part(context, "delete_confirm_coach", found))
    asked = int(context.now.timestamp())
    buttons = [
        [(context.t("delete_yes"), DeleteConfirm(asked).encode())],
        [(context.t("delete_no"), DeleteKeep().encode())],
    ]
    context.reply(question, keyboard(buttons))


@on_button(DeleteKeep)
async def keep_button(update: Update, context: HipContext, button: DeleteKeep) -> None:
    """No, keep my data."""
    await context.find_athlete()
    context.toast("delete_kept")
    context.edit(context.t("delete_kept"))


@on_button(DeleteConfirm)
async def delete_button(update: Update, context: HipContext, button: DeleteConfirm) -> None:
    """Yes, delete everything: only the tapper's own data, and only while the question is fresh."""
    session = await context.db()
    await context.find_athlete()
    found = await privacy.held(session, context.user_id)
    if found is None:
        context.toast("stale_button")
        return
    asked, now_s = button.asked, int(context.now.timestamp())  # any forged number is safe
    if not now_s - CONFIRM_TTL.total_seconds() <= asked <= now_s + 60:
        context.toast("stale_button")
        context.edit(context.t("delete_expired"))
        return
    await privacy.erase(session, context.user_id, context.now)
    log.info("a person erased their data (a coach: %s)", found.coach)
    done = context.t("delete_done")
    context.edit(_and_coach(done, found, context.t("delete_done_coach")))


def ask_withdrawal(context: HipContext, asked: consent.Asked) -> None:
    """The confirmation: what withdrawing erases, Yes erase / No keep (the chat's question)."""
    assert asked.question is not None
    context.asked(pending.Asked(asked.question, asked.replaced_message_id))
    found, question_id = asked.erasable, asked.question.id
    counts = {
        name: plural(context.kb, context.lang, f"withdraw_{name}", getattr(found, name))
        for name in ("results", "checkins", "answers", "runs", "groups")
    }
    text = context.t("withdraw_confirm", **counts)
    if found.unfinished:
        text += "\n" + context.t("withdraw_unfinished")
    buttons = [
        [(context.t("withdraw_yes"), QuestionButton(question_id, "y").encode())],
        [(context.t("withdraw_no"), QuestionButton(question_id, "x").encode())],
    ]
    context.ask(text, keyboard(buttons))


@on_button(WithdrawConsent)
async def withdraw_button(update: Update, context: HipContext, button: WithdrawConsent) -> None:
    """ "Withdraw consent" (in /settings or the /start review): first what it would erase."""
    athlete = await context.find_athlete()
    asked = None
    if athlete is not None:
        asked = await consent.ask_withdrawal(
            await context.db(), athlete, Origin.SETTINGS, context.now
        )
    if asked is None:  # no consent to withdraw (or a coach without an athlete profile)
        context.toast("stale_button")
        return
    if asked.question is None:
        log.info("consent withdrawn by an athlete (nothing was stored)")
        context.say("consent_withdrawn")
        return
    ask_withdrawal(context, asked)


async def decide_withdrawal(context: HipContext, question: PendingQuestion, *, erase: bool) -> None:
    """Yes, erase / No, keep: then, if it was asked during onboarding, the next question."""
    athlete = await context.find_athlete()
    decided = None
    if athlete is not None:
        decided = await consent.decide(
            await context.db(), athlete, question.id, erase=erase, now=context.now
        )
    if athlete is None or decided is None:
        context.toast("stale_button")
        return
    if erase:
        log.info("consent withdrawn by an athlete")
    context.edit(context.t("consent_withdrawn" if erase else "withdraw_kept"))
    if decided.origin is Origin.ONBOARDING:  # onboarding goes on after the consent question
        await ask_next(context, athlete, decided.next_step)


SEEN_KEY = "hipcoach.last_touched"
SEEN_LIMIT = 100_000
TOUCH_EVERY = dt.timedelta(minutes=1)
TOUCH_GROUP = -1


async def touch(update: Update, context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Note that the sender is active (for retention); runs before every other handler.

    Its own short transaction, at most once a minute per person and instance: the
    handler that follows must not depend on it.
    """
    user = update.effective_user
    if user is None or user.is_bot:
        return
    svc = services(context)
    now = svc.clock()
    seen: dict[int, dt.datetime] = context.application.bot_data.setdefault(SEEN_KEY, {})
    last = seen.get(user.id)
    if last is not None and dt.timedelta(0) <= now - last < TOUCH_EVERY:
        return  # written recently by this instance: spare the database a transaction
    async with svc.db.transaction() as session:
        await privacy.touch(session, user.id, now)
    if len(seen) >= SEEN_LIMIT:
        seen.clear()  # a bound, not a cache policy: the worst case is one extra write each
    seen[user.id] = now


async def retention_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Erase the health data of athletes silent for longer than RETENTION_MONTHS."""
    svc = services(context)
    async with svc.db.transaction() as session:
        removed = await privacy.purge_inactive(session, svc.clock(), svc.settings.retention_months)
    if removed:
        log.info("retention: erased %d rows of inactive athletes' health data", removed)


async def describe_bot(application: HipApplication) -> None:
    """Point the bot's profile (description, short description) at /privacy."""
    svc = application.bot_data.get(SERVICES_KEY)
    if not isinstance(svc, Services):
        return
    bot = application.bot
    # The first language is the default profile; each one also gets its own.
    targets = [(svc.kb.languages[0], None), *((lang, lang) for lang in svc.kb.languages)]
    for lang, code in targets:
        await bot.set_my_description(svc.kb.ui_text("bot_description", lang), language_code=code)
        await bot.set_my_short_description(
            svc.kb.ui_text("bot_short_description", lang), language_code=code
        )


__all__ = [
    "CONFIRM_TTL",
    "RETENTION_EVERY",
    "RETENTION_FIRST",
    "RETENTION_JOB",
    "ask_withdrawal",
    "decide_withdrawal",
    "delete_button",
    "delete_command",
    "describe_bot",
    "export_command",
    "keep_button",
    "privacy_command",
    "retention_job",
    "touch",
    "withdraw_button",
]
