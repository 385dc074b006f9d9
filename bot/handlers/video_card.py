"""The video line of a coach's athlete card: the latest measured pelvic drop and overstride."""

from __future__ import annotations

import datetime as dt

from bot.context import HipContext
from coaching.video import MeasuredForm
from knowledge import i18n


def card_line(context: HipContext, form: MeasuredForm | None, zone: dt.tzinfo) -> str | None:
    """One line for the card, or None when the athlete never had a clip measured for form."""
    if form is None:
        return None
    lang = context.lang
    figures: list[str] = []
    dates: list[dt.datetime] = []
    if form.pelvic_left_deg is not None and form.pelvic_right_deg is not None:
        figures.append(
            context.t(
                "card_video_pelvic",
                left=i18n.number(form.pelvic_left_deg, lang, 1),
                right=i18n.number(form.pelvic_right_deg, lang, 1),
            )
        )
        if form.pelvic_at is not None:
            dates.append(form.pelvic_at)
    if form.overstride_legs is not None and form.shin_deg is not None:
        figures.append(
            context.t(
                "card_video_overstride",
                reach=i18n.number(form.overstride_legs, lang, 2),
                shin=i18n.number(form.shin_deg, lang, 0),
            )
        )
        if form.overstride_at is not None:
            dates.append(form.overstride_at)
    if not figures or not dates:
        return None
    latest = max(dates).astimezone(zone).date()
    return context.t("card_video", date=i18n.format_date(latest, lang), figures="; ".join(figures))
