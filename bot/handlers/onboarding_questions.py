"""The onboarding questions and their buttons, shared by /start and the group-join flow.

A module of its own so that joining a group (`bot.handlers.coaches`) can carry
on with onboarding without importing the /start handler, which hands deep links
to the coach flow: neither imports the other in a circle.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.context import HipContext
from bot.render import Button, chunk, keyboard, ui
from coaching import onboarding
from coaching.callbacks import OnboardingAnswer, SelftestStart
from coaching.models import Athlete
from coaching.onboarding import Step
from coaching.pending import Kind
from coaching.timeparse import display_zone, format_time_of_day, is_fixed_offset, local_now
from knowledge import KnowledgeBase

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


def question(
    kb: KnowledgeBase, athlete: Athlete, step: Step, *, no_days_note: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """The message that asks for `step`, with its buttons (Back on all but the first)."""
    lang = athlete.language

    def t(key: str) -> str:
        return ui(kb, lang, key)

    rows: list[list[Button]]
    text: str
    if step is Step.CONSENT:
        rows = [[(t("consent_yes"), _data(step, "yes"))], [(t("consent_no"), _data(step, "no"))]]
        text = t("consent_question")
    elif step is Step.TIMEZONE:
        rows = chunk([(zone, _data(step, zone)) for zone in COMMON_ZONES], 2)
        rows.append([(t("tz_other"), _data(step, "other"))])
        text = t("ask_timezone")
    elif step is Step.RUN_DAYS:
        days = [
            (
                ("✅ " if day in athlete.run_days else "") + t(f"weekday_{key}"),
                _data(step, str(day)),
            )
            for day, key in enumerate(WEEKDAY_KEYS)
        ]
        rows = [days[:4], days[4:], [(t("done"), _data(step, "done"))]]
        text = t("ask_run_days")
        if no_days_note:
            rows.append([(t("onboarding_no_run_days"), _data(step, "none"))])
            text += "\n\n" + t("onboarding_no_days_note")
    elif step is Step.RUN_TIME:
        rows = chunk([(v, _data(step, v.replace(":", ""))) for v in COMMON_RUN_TIMES], 3)
        text = t("ask_run_time")
    else:
        rows = [[(t("yes"), _data(step, "yes")), (t("no"), _data(step, "no"))]]
        text = t("ask_triathlete")
    if onboarding.has_back(athlete, step):
        rows.append([(t("back"), _data(step, "back"))])
    return text, keyboard(rows)


async def ask_step(context: HipContext, athlete: Athlete, step: Step) -> None:
    """Make `step` the chat's question and ask it."""
    await context.wait_for(Kind.ONBOARDING, step=step.value)
    context.ask(*question(context.kb, athlete, step))


async def ask_next(context: HipContext, athlete: Athlete, step: Step | None) -> None:
    """Ask the next question, or close onboarding with the profile and the self-test offer."""
    if step is not None:
        await ask_step(context, athlete, step)
        return
    await context.stop_waiting(Kind.ONBOARDING)
    done = context.t("onboarding_done") + "\n\n" + profile_summary(context.kb, athlete)
    if not athlete.run_days:
        done += "\n\n" + context.t("onboarding_no_days_note")
    start_test = SelftestStart("new").encode()
    context.reply(done, keyboard([[(context.t("start_selftest"), start_test)]]))


def zone_text(zone: str | None) -> str:
    """A zone as the athlete reads it ("UTC+2", never "Etc/GMT-2")."""
    return display_zone(zone) if zone else "—"


def zone_confirmation(context: HipContext, zone: str | None) -> str:
    """ "✅ Europe/Helsinki (it is 14:05 there now)", and for a fixed offset, that a city
    would follow daylight saving time."""
    local = local_now(zone, context.now)
    text = "✅ " + context.t("zone_confirmed", zone=zone_text(zone), time=local)
    if is_fixed_offset(zone) and zone != "UTC":
        text += "\n" + context.t("zone_offset_hint")
    return text


def run_days_text(kb: KnowledgeBase, athlete: Athlete) -> str:
    names = [ui(kb, athlete.language, f"weekday_{WEEKDAY_KEYS[d]}") for d in athlete.run_days]
    return ", ".join(names) or "—"


def profile_summary(kb: KnowledgeBase, athlete: Athlete) -> str:
    lang = athlete.language
    return ui(
        kb,
        lang,
        "review_profile",
        timezone=zone_text(athlete.timezone),
        run_days=run_days_text(kb, athlete),
        run_time=format_time_of_day(athlete.run_time) if athlete.run_time else "—",
        triathlete=ui(kb, lang, "yes" if athlete.triathlete else "no"),
        consent=ui(kb, lang, "yes" if athlete.consent_at else "no"),
    )


__all__ = [
    "COMMON_RUN_TIMES",
    "COMMON_ZONES",
    "WEEKDAY_KEYS",
    "ask_next",
    "ask_step",
    "profile_summary",
    "question",
    "run_days_text",
    "zone_confirmation",
    "zone_text",
]
