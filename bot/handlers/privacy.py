"""/privacy, /export, /delete, withdrawing consent, and the retention job.

Usage (``bot/app.py``)::

    for handler in privacy.handlers(private):   # before the catch-all handlers
        application.add_handler(handler)
    privacy.install(application)                # last-seen touch + daily retention job

Buttons carry ``pv:del:<unix time the question was asked>``, ``pv:keep`` and
``pv:withdraw`` (``coaching.callbacks``). They name no athlete: whoever taps
acts on their own data only, so a forged or forwarded button can never touch
someone else's. A delete confirmation older than ``CONFIRM_TTL`` is refused as
stale.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    TypeHandler,
)
from telegram.ext.filters import BaseFilter

from bot.handlers.common import language, tapped
from bot.render import keyboard, ui
from bot.services import SERVICES_KEY, Services, services
from bot.telegram_io import answer_query, edit_query_message, send_html
from coaching import privacy
from coaching.callbacks import DeleteConfirm, DeleteKeep, WithdrawConsent, route
from coaching.models import Athlete

log = logging.getLogger(__name__)

CONFIRM_TTL = dt.timedelta(minutes=15)
RETENTION_JOB = "retention"
RETENTION_EVERY = dt.timedelta(days=1)
RETENTION_FIRST = dt.timedelta(minutes=5)
TOUCH_GROUP = -1


async def _athlete(svc: Services, user_id: int) -> Athlete | None:
    async with svc.db.transaction() as session:
        return await session.get(Athlete, user_id)


async def _held(svc: Services, user_id: int) -> tuple[Athlete | None, privacy.Held | None]:
    """The athlete profile (for the language) and what we hold about the person at all:
    a coach who never used the athlete side still has data to export and delete."""
    async with svc.db.transaction() as session:
        return await session.get(Athlete, user_id), await privacy.held(session, user_id)


def _and_coach(text: str, found: privacy.Held, coach_text: str) -> str:
    """`text`, followed for a coach by what it means for their groups and their athletes."""
    return f"{text}\n\n{coach_text}" if found.coach else text


def _counts(found: privacy.Held) -> dict[str, int]:
    """The numbers the coach's part of a privacy text names."""
    return {"groups": found.groups, "members": found.members}


def _user_id(update: Update) -> int:
    user = update.effective_user
    assert user is not None
    return user.id


async def privacy_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what is stored, why, for how long, who sees it, and how to export or erase it."""
    svc = services(context)
    athlete = await _athlete(svc, _user_id(update))
    lang = language(update, athlete)
    months = svc.settings.retention_months
    await send_html(update, ui(svc.kb, lang, "privacy_text", months=months))


async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send everything stored about the person (athlete, coach or both) as one JSON file."""
    svc = services(context)
    user_id = _user_id(update)
    now = svc.clock()
    async with svc.db.transaction() as session:
        found = await privacy.held(session, user_id)
        data = await privacy.export(session, user_id, now) if found is not None else None
    if found is None or data is None:
        await send_html(update, ui(svc.kb, language(update), "privacy_nothing_stored"))
        return
    profile = data["athlete"] or {}
    lang = str(profile.get("language") or language(update))
    caption = _and_coach(
        ui(svc.kb, lang, "export_caption"),
        found,
        ui(svc.kb, lang, "export_caption_coach", **_counts(found)),
    )
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        body,
        filename=f"hipcoach-export-{now:%Y%m%d}.json",
        caption=caption,
        parse_mode="HTML",
    )


async def delete_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask for confirmation, saying what goes (and, for a coach, what happens to their groups)."""
    svc = services(context)
    athlete, found = await _held(svc, _user_id(update))
    lang = language(update, athlete)
    if found is None:
        await send_html(update, ui(svc.kb, lang, "privacy_nothing_stored"))
        return
    if found.athlete:
        question = ui(svc.kb, lang, "delete_confirm")
    else:
        question = ui(svc.kb, lang, "delete_confirm_coach_only")
    coach = ui(svc.kb, lang, "delete_confirm_coach", **_counts(found))
    question = _and_coach(question, found, coach)
    asked = int(svc.clock().timestamp())
    buttons = [
        [(ui(svc.kb, lang, "delete_yes"), DeleteConfirm(asked).encode())],
        [(ui(svc.kb, lang, "delete_no"), DeleteKeep().encode())],
    ]
    await send_html(update, question, keyboard(buttons))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A `pv:` button: confirm or cancel deletion, or withdraw consent (acting user only)."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    user_id = query.from_user.id
    athlete, found = await _held(svc, user_id)
    lang = language(update, athlete)
    button = tapped(update)
    if not isinstance(button, DeleteConfirm | DeleteKeep | WithdrawConsent) or found is None:
        await answer_query(query, ui(svc.kb, lang, "stale_button"))
        return
    now = svc.clock()
    if isinstance(button, DeleteKeep):
        await answer_query(query)
        await edit_query_message(query, ui(svc.kb, lang, "delete_kept"))
        return
    if isinstance(button, WithdrawConsent):
        async with svc.db.transaction() as session:
            withdrawn = await privacy.withdraw_consent(session, user_id, now)
        if not withdrawn:  # a coach without an athlete profile has no consent to withdraw
            await answer_query(query, ui(svc.kb, lang, "stale_button"))
            return
        log.info("consent withdrawn by an athlete")
        await answer_query(query)
        await send_html(update, ui(svc.kb, lang, "consent_withdrawn"))
        return
    asked, now_s = button.asked, int(now.timestamp())  # seconds: any forged number is safe
    if not now_s - CONFIRM_TTL.total_seconds() <= asked <= now_s + 60:
        await answer_query(query, ui(svc.kb, lang, "stale_button"))
        await edit_query_message(query, ui(svc.kb, lang, "delete_expired"))
        return
    async with svc.db.transaction() as session:
        await privacy.erase(session, user_id, now)
    log.info("a person erased their data (a coach: %s)", found.coach)
    await answer_query(query)
    done = ui(svc.kb, lang, "delete_done")
    coach = ui(svc.kb, lang, "delete_done_coach", **_counts(found))
    await edit_query_message(query, _and_coach(done, found, coach))


SEEN_KEY = "hipcoach.last_touched"
SEEN_LIMIT = 100_000
TOUCH_EVERY = dt.timedelta(minutes=1)


async def touch(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Note that the sender is active (for retention); runs before every other handler."""
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


def handlers(private: BaseFilter) -> list[BaseHandler[Any, Any, Any]]:
    """The commands and the `pv:` buttons; add them before any catch-all handler."""
    return [
        CommandHandler("privacy", privacy_command, filters=private),
        CommandHandler("export", export_command, filters=private),
        CommandHandler("delete", delete_command, filters=private),
        CallbackQueryHandler(button, pattern=route(DeleteConfirm, DeleteKeep, WithdrawConsent)),
    ]


def install(application: Application) -> None:  # type: ignore[type-arg]
    """The last-seen touch (group -1, before every handler) and the daily retention job."""
    application.add_handler(TypeHandler(Update, touch), group=TOUCH_GROUP)
    queue = application.job_queue
    if queue is None:
        log.warning("no JobQueue: inactive athletes' health data will not be purged")
        return
    queue.run_repeating(
        retention_job,
        interval=RETENTION_EVERY,
        first=RETENTION_FIRST,
        name=RETENTION_JOB,
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
    )


async def describe_bot(application: Application) -> None:  # type: ignore[type-arg]
    """Point the bot's profile (description, short description) at /privacy."""
    svc = application.bot_data.get(SERVICES_KEY)
    if not isinstance(svc, Services):
        return
    bot = application.bot
    for lang, code in (("en", None), ("fi", "fi")):
        await bot.set_my_description(ui(svc.kb, lang, "bot_description"), language_code=code)
        await bot.set_my_short_description(
            ui(svc.kb, lang, "bot_short_description"), language_code=code
        )


__all__ = [
    "button",
    "delete_command",
    "describe_bot",
    "export_command",
    "handlers",
    "install",
    "privacy_command",
    "retention_job",
    "touch",
]
