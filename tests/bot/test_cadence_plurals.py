"""The cadence trend counts its steps/min in the plural, as the /cadence handler words it."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import cast

from bot.context import HipContext
from bot.handlers.cadence import trend_text
from coaching.cadence.models import CadenceRun
from coaching.models import Athlete
from knowledge import KnowledgeBase

START = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)


def runs(*averages: float) -> list[CadenceRun]:
    return [
        CadenceRun(
            started_at=START + dt.timedelta(days=day),
            avg_cadence_spm=average,
            share_in_target=0.5,
        )
        for day, average in enumerate(averages)
    ]


def test_one_step_per_minute_is_singular_in_english_and_finnish(kb: KnowledgeBase) -> None:
    context = cast(HipContext, SimpleNamespace(kb=kb))
    said = {
        (lang, before, after): trend_text(
            context, Athlete(id=1, first_name="Ann", language=lang), runs(before, after)
        )
        for lang in ("en", "fi")
        for before, after in ((170, 171), (171, 170), (170, 174), (174, 170))
    }
    assert "Since your previous run: <b>+1</b> step/min." in said["en", 170, 171]
    assert "Since your previous run: <b>−1</b> step/min." in said["en", 171, 170]
    assert "Since your previous run: <b>+4</b> steps/min." in said["en", 170, 174]
    assert "Since your previous run: <b>−4</b> steps/min." in said["en", 174, 170]
    assert "Edellisestä juoksusta: <b>+1</b> askel/min." in said["fi", 170, 171]
    assert "Edellisestä juoksusta: <b>−1</b> askel/min." in said["fi", 171, 170]
    assert "Edellisestä juoksusta: <b>+4</b> askelta/min." in said["fi", 170, 174]
    assert "Edellisestä juoksusta: <b>−4</b> askelta/min." in said["fi", 174, 170]
