"""Lookups every handler needs: who is talking, and in which language to answer."""

from __future__ import annotations

from telegram import Update

from bot.render import ui
from bot.services import Services
from bot.telegram_io import send_html
from coaching import callbacks, onboarding
from coaching.callbacks import Button, InvalidButton
from coaching.models import Athlete


async def load_athlete(svc: Services, update: Update) -> Athlete | None:
    """The athlete behind the update, in a short transaction of its own; None if unknown."""
    user = update.effective_user
    if user is None:
        return None
    async with svc.db.transaction() as session:
        return await session.get(Athlete, user.id)


def language(update: Update, athlete: Athlete | None = None) -> str:
    """The athlete's language, else the one their Telegram app reports."""
    if athlete is not None:
        return athlete.language
    user = update.effective_user
    return onboarding.language_for(user.language_code if user else None)


async def known_athlete(svc: Services, update: Update) -> Athlete | None:
    """The athlete, or None after asking a stranger to send /start first."""
    athlete = await load_athlete(svc, update)
    if athlete is None:
        await send_html(update, ui(svc.kb, language(update), "start_first"))
    return athlete


def tapped(update: Update) -> Button | None:
    """The typed button behind a callback query; None for forged, garbled or old data.

    Callers answer None with the "older message" notice and change nothing.
    """
    query = update.callback_query
    try:
        return callbacks.parse(query.data if query is not None else None)
    except InvalidButton:
        return None
