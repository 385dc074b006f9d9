"""Every point of the coach's method is covered by at least one content item."""

from __future__ import annotations

from knowledge.loader import get_knowledge

# The method, point by point (the list). Kept here as well as in
# meta.yaml so that deleting a tag from meta.yaml cannot hide a gap.
METHOD = {
    "why_hips",
    "sitting",
    "folded_posture",
    "lean_from_ankles",
    "anterior_tilt",
    "hip_collapse",
    "knee_collapse",
    "compression_test",
    "doorway_test",
    "bowl_of_water",
    "mid_run_adjust",
    "overstriding_fix",
    "dynamic_mobility",
    "cadence",
    "glute_activation",
    "glute_strength",
    "free_weights",
    "glutes_push",
    "triathlete_swim_first",
    "two_strength_sessions",
    "core_after",
    "drills_icing",
    "mobility_not_stretching",
    "routine_daily_mobility",
}


def test_meta_vocabulary_is_the_method() -> None:
    assert set(get_knowledge().meta.method_tags) == METHOD


def test_every_method_item_is_covered_by_content() -> None:
    used = get_knowledge().tags()["method"]
    assert sorted(METHOD - set(used)) == []


def test_every_method_item_has_a_tip() -> None:
    tipped = {tag for tip in get_knowledge().tips for tag in tip.method}
    # Every point reaches athletes through the weekly tips, not only through the plan.
    assert sorted(METHOD - tipped) == []
