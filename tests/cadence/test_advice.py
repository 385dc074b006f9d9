"""Advice from the knowledge base, chosen by where the cadence sits against 170–180."""

from __future__ import annotations

import pytest

from coaching.cadence import cadence_tips, zone_of
from knowledge import KnowledgeBase


@pytest.mark.parametrize(
    ("spm", "zone"),
    [(150, "below"), (169.4, "below"), (169.5, "inside"), (175, "inside"), (180.4, "inside")]
    + [(180.5, "above"), (195, "above")],
)
def test_zone(spm: float, zone: str) -> None:
    assert zone_of(spm) == zone


@pytest.mark.parametrize("zone", ["below", "inside", "above"])
def test_one_or_two_cadence_tips_per_zone(kb: KnowledgeBase, zone: str) -> None:
    tips = cadence_tips(kb, zone)  # type: ignore[arg-type]
    assert 1 <= len(tips) <= 2
    assert all("cadence" in tip.topics for tip in tips)


def test_below_gets_the_method_target(kb: KnowledgeBase) -> None:
    assert cadence_tips(kb, "below")[0].id == "tip_cadence_target"
    assert cadence_tips(kb, "inside")[0].id == "tip_cadence_keep"
    assert cadence_tips(kb, "above")[0].id == "tip_cadence_above"
