"""The video line of the coach's athlete card, in the coach's language."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from bot.context import HipContext
from bot.handlers.video_card import card_line
from coaching.video import MeasuredForm
from knowledge import KnowledgeBase

AT = dt.datetime(2026, 11, 28, 22, 30, tzinfo=dt.UTC)


@dataclass
class Speaker:
    """The two things `card_line` asks of the context."""

    kb: KnowledgeBase
    lang: str

    def t(self, key: str, **params: object) -> str:
        return self.kb.ui_text(key, self.lang, **params)


def form(**values: object) -> MeasuredForm:
    fields: dict[str, object] = dict.fromkeys(MeasuredForm.__dataclass_fields__)
    fields.update(values)
    return MeasuredForm(**fields)  # type: ignore[arg-type]


def test_pelvic_drop_and_overstride_on_one_line(kb: KnowledgeBase) -> None:
    measured = form(
        pelvic_left_deg=6.4,
        pelvic_right_deg=3.1,
        pelvic_at=AT,
        overstride_legs=0.21,
        shin_deg=7.0,
        overstride_at=AT - dt.timedelta(days=3),
    )
    english = card_line(cast(HipContext, Speaker(kb, "en")), measured, dt.UTC)
    assert english is not None
    assert "pelvic drop L 6.4° / R 3.1°" in english
    assert "heel 0.21 leg lengths ahead, shin 7°" in english
    finnish = card_line(cast(HipContext, Speaker(kb, "fi")), measured, dt.UTC)
    assert finnish is not None and "V 6,4° / O 3,1°" in finnish


def test_nothing_measured_no_line(kb: KnowledgeBase) -> None:
    speaker = cast(HipContext, Speaker(kb, "en"))
    assert card_line(speaker, None, dt.UTC) is None
    assert card_line(speaker, form(cadence_spm=170.0), dt.UTC) is None
