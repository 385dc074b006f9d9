"""Tip selection: matched to findings and audience, no repeats until the pool is used up."""

from __future__ import annotations

import datetime as dt

from knowledge.schema import Tip
from scheduler.tips import select_tip, tip_pool

T0 = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)


def tip(tip_id: str, faults: list[str] | None = None, audiences: list[str] | None = None) -> Tip:
    return Tip.model_validate(
        {
            "id": tip_id,
            "text": {"en": tip_id},
            "topics": ["posture"],
            "faults": faults or [],
            "audiences": audiences or ["all"],
        }
    )


TIPS = [
    tip("general_a"),
    tip("tilt", ["anterior_tilt"]),
    tip("drop", ["hip_drop"]),
    tip("swim", audiences=["triathlete"]),
    tip("general_b"),
]


def test_pool_matches_findings_first_and_audience() -> None:
    findings = {"anterior_tilt": "mild", "hip_drop": "none"}
    runner = [t.id for t in tip_pool(TIPS, findings, triathlete=False)]
    assert runner == ["tilt", "general_a", "general_b"]
    tri = [t.id for t in tip_pool(TIPS, findings, triathlete=True)]
    assert tri == ["tilt", "general_a", "swim", "general_b"]


def test_without_a_selftest_only_general_tips() -> None:
    assert [t.id for t in tip_pool(TIPS, None, False)] == ["general_a", "general_b"]


def test_no_repeat_until_exhausted_then_oldest_first() -> None:
    findings = {"hip_drop": "marked"}
    sent: dict[str, dt.datetime] = {}
    order = []
    for week in range(3):
        chosen = select_tip(TIPS, findings, False, sent)
        assert chosen is not None
        order.append(chosen.id)
        sent[chosen.id] = T0 + dt.timedelta(weeks=week)
    assert order == ["drop", "general_a", "general_b"]  # each once
    again = select_tip(TIPS, findings, False, sent)
    assert again is not None and again.id == "drop"  # the one sent longest ago
    sent["drop"] = T0 + dt.timedelta(weeks=3)
    after = select_tip(TIPS, findings, False, sent)
    assert after is not None and after.id == "general_a"


def test_nothing_fits() -> None:
    assert select_tip([tip("swim", audiences=["triathlete"])], None, False, {}) is None
