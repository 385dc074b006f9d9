"""Plurals and dates by the CLDR rules of each language, through Babel.

"1 athletes" and "2026-03-08" are what hand-rolled formatting gives; Babel knows
how every language counts (English and Finnish have "one" and "other", Polish
has "few" and "many") and writes dates ("Mar 8, 2026", "8.3.2026"). A plural
text lives in `ui.yaml` as one key per CLDR category, `<base>_one`,
`<base>_other`, ...; `kb check` insists that each served language has every
category it needs, so `plural()` never falls back by accident.
"""

from __future__ import annotations

import datetime as dt
import functools

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton
from babel.numbers import format_decimal

from knowledge.schema import FALLBACK_LANGUAGE, KnowledgeBase


@functools.cache
def locale(lang: str) -> Locale:
    """Babel's locale for a content language; English if Babel does not know it."""
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FALLBACK_LANGUAGE)


def plural_category(lang: str, count: int) -> str:
    """The CLDR plural category of `count` in `lang`: "one", "few", "other", ..."""
    return str(locale(lang).plural_form(count))


def number(value: int | float, lang: str, digits: int | None = None) -> str:
    """A number as the language writes it (thousands separators, decimal comma);
    with `digits`, always that many decimals ("5.00 km", "5,00 km")."""
    pattern = None if digits is None else "#,##0" + ("." + "0" * digits if digits else "")
    return str(format_decimal(value, format=pattern, locale=locale(lang)))


def plural(kb: KnowledgeBase, lang: str, base: str, count: int, **params: object) -> str:
    """The UI text `<base>_<category>` for `count`, with `{count}` and `params` filled in.

    Falls back to `<base>_other` only for a language `kb check` does not serve.
    """
    key = f"{base}_{plural_category(lang, count)}"
    if key not in kb.ui:
        key = f"{base}_other"
    return kb.ui_text(key, lang, count=number(count, lang), **params)


def format_date(day: dt.date, lang: str) -> str:
    """A calendar date in the language's medium form: "Mar 8, 2026", "8.3.2026"."""
    return str(babel_format_date(day, format="medium", locale=locale(lang)))


def format_local_date(instant: dt.datetime, zone: dt.tzinfo | None, lang: str) -> str:
    """The date of an instant in the athlete's time zone (UTC when it is unknown)."""
    return format_date(instant.astimezone(zone or dt.UTC).date(), lang)


def format_local_datetime(
    instant: dt.datetime, zone: dt.tzinfo | None, lang: str, *, weekday: bool = False
) -> str:
    """A date and 24-hour time in the athlete's zone (UTC when it is unknown), as the
    language writes them: "Mar 20, 2026, 07:30", "20.3.2026 7.30". With `weekday`,
    the day of the week instead of the year, for a moment of the last few days:
    "Fri, Mar 20, 07:30", "pe 20.3. 7.30"."""
    local = instant.astimezone(zone or dt.UTC)
    where = locale(lang)
    day = format_skeleton("MMMEd" if weekday else "yMMMd", local, locale=where)
    clock = format_skeleton("Hm", local, locale=where)
    pattern = str(where.datetime_formats["medium"])
    return pattern.replace("{1}", str(day)).replace("{0}", str(clock))
