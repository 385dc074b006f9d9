"""Lookups every handler needs: who is talking, and in which language to answer."""

from __future__ import annotations

from telegram import Update

from bot.services import Services
from coaching import onboarding
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
