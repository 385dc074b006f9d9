"""The onboarding questions and their buttons, shared by /start and the group-join flow.

A module of its own so that joining a group (`bot.handlers.coaches`) can carry
on with onboarding without importing the /start handler, which hands deep links
to the coach flow: neither imports the other in a circle.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.render import Button, chunk, keyboard, ui
from bot.services import Services
from coaching.callbacks import OnboardingAnswer
from coaching.models import Athlete
from coaching.onboarding import Step

COMMON_ZONES = (
    "Europe/Helsinki",
    "Europe/Stockholm",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "UTC",
)
COMMON_RUN_TIMES = ("06:00", "07:00", "12:00", "17:00", "18:00", "19:00")
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _data(step: str, value: str) -> str:
    return OnboardingAnswer(step, value).encode()


def question(svc: Services, athlete: Athlete, step: Step) -> tuple[str, InlineKeyboardMarkup]:
    """The message that asks for `step`, with its buttons."""
    lang = athlete.language

    def t(key: str) -> str:
        return ui(svc.kb, lang, key)

    rows: list[list[Button]]
    if step is Step.CONSENT:
        rows = [[(t("consent_yes"), _data(step, "yes"))], [(t("consent_no"), _data(step, "no"))]]
        return t("consent_question"), keyboard(rows)
    if step is Step.TIMEZONE:
        rows = chunk([(zone, _data(step, zone)) for zone in COMMON_ZONES], 2)
        rows.append([(t("tz_other"), _data(step, "other"))])
        return t("ask_timezone"), keyboard(rows)
    if step is Step.RUN_DAYS:
        days = [
            (
                ("✅ " if day in athlete.run_days else "") + t(f"weekday_{key}"),
                _data(step, str(day)),
            )
            for day, key in enumerate(WEEKDAY_KEYS)
        ]
        rows = [days[:4], days[4:], [(t("done"), _data(step, "done"))]]
        return t("ask_run_days"), keyboard(rows)
    if step is Step.RUN_TIME:
        rows = chunk([(v, _data(step, v.replace(":", ""))) for v in COMMON_RUN_TIMES], 3)
        return t("ask_run_time"), keyboard(rows)
    rows = [[(t("yes"), _data(step, "yes")), (t("no"), _data(step, "no"))]]
    return t("ask_triathlete"), keyboard(rows)


__all__ = ["COMMON_RUN_TIMES", "COMMON_ZONES", "WEEKDAY_KEYS", "question"]
