"""Dates an athlete reads are in their language and time zone, as Babel writes them."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import cast

from bot.context import HipContext
from bot.handlers.cadence import trend_text
from coaching.cadence.models import CadenceRun
from coaching.models import Athlete
from knowledge import KnowledgeBase

START = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)  # 09:00 in Helsinki


def test_cadence_runs_are_dated_in_the_athletes_language_and_zone(kb: KnowledgeBase) -> None:
    context = cast(HipContext, SimpleNamespace(kb=kb))
    run = CadenceRun(started_at=START, avg_cadence_spm=170, share_in_target=0.5)

    def trend(lang: str) -> str:
        athlete = Athlete(id=1, first_name="Ann", language=lang, timezone="Europe/Helsinki")
        return trend_text(context, athlete, [run])

    assert "Mar 2, 2026, 09:00: 170 steps/min" in trend("en")
    assert "2.3.2026 9.00: 170 askelta/min" in trend("fi")
