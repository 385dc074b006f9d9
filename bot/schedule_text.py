"""A coach's schedule time refused by `coaching.when`, said in the coach's language.

For the broadcast flow's "when?" question: `moment` shows a time in the coach's
own zone, and the refusal names exactly what is
wrong ("31 February doesn't exist", "That was 2 hours ago; it is now 09:19 in
Europe/Helsinki") instead of one message for every mistake. Durations and
month names come from Babel, so they read right in every language::

    try:
        when = parse_when(text, now, zone)
    except WhenError as error:
        raise Refused(describe(kb, lang, text, error))
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_datetime, format_timedelta, get_month_names

from bot.render import ui
from coaching.timeparse import display_zone
from coaching.when import (
    InThePast,
    NoSuchDate,
    NoTimeOfDay,
    SkippedByClock,
    TooFarAhead,
    WhenError,
    zone_of,
)
from knowledge import KnowledgeBase
from knowledge.i18n import locale


def _days(span: dt.timedelta, lang: str) -> str:
    return str(format_timedelta(span, locale=locale(lang), threshold=10**6, granularity="day"))


def moment(instant: dt.datetime, zone: str | None, lang: str) -> str:
    """When something happens, as the coach reads it: the weekday in their language, the
    local date and time, and the zone ("Tue 2026-12-01 07:00 (Europe/Helsinki)"); plain text."""
    local = instant.astimezone(zone_of(zone))
    day = format_datetime(local, "EEE", locale=locale(lang))
    return f"{day} {local:%Y-%m-%d %H:%M} ({display_zone(zone)})"


def describe(kb: KnowledgeBase, lang: str, typed: str, error: WhenError) -> str:
    """What is wrong with `typed` as a schedule time, as Telegram HTML (all values escaped)."""
    if isinstance(error, NoSuchDate):
        month = get_month_names("wide", context="format", locale=locale(lang))[error.month]
        text = ui(kb, lang, "when_no_such_date", day=error.day, month=month)
        return text if error.year is None else f"{text} ({error.year})"
    if isinstance(error, InThePast):
        ago = str(format_timedelta(error.ago, locale=locale(lang)))
        return ui(kb, lang, "when_past", ago=ago, now=error.now.strftime("%H:%M"), tz=error.zone)
    if isinstance(error, TooFarAhead):
        limit = error.limit.days
        return ui(kb, lang, "when_too_far", ahead=_days(error.ahead, lang), limit=limit)
    if isinstance(error, SkippedByClock):
        return ui(
            kb, lang, "when_skipped", time=error.local.strftime("%Y-%m-%d %H:%M"), tz=error.zone
        )
    if isinstance(error, NoTimeOfDay):
        return ui(kb, lang, "when_no_time", value=typed[:64])
    return ui(kb, lang, "when_unreadable", value=typed[:64])
