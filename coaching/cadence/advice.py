"""Which of the coach's cadence tips fit a run: below, inside or above 170–180.

The tips are content (knowledge/content/tips/cadence.yaml and training.yaml);
this only says which ids suit which case, and falls back to any tip with the
topic `cadence` if the content changes under it.
"""

from __future__ import annotations

from coaching.cadence.analysis import Zone
from knowledge.schema import KnowledgeBase, Tip

TIPS_BY_ZONE: dict[Zone, tuple[str, ...]] = {
    "below": ("tip_cadence_target", "tip_cadence_gradual"),
    "inside": ("tip_cadence_keep",),
    "above": ("tip_cadence_above",),
}
MAX_TIPS = 2


def cadence_tips(kb: KnowledgeBase, zone: Zone) -> list[Tip]:
    """One or two tips tagged `cadence` for the athlete's zone, in the order listed."""
    by_id = {tip.id: tip for tip in kb.tips if "cadence" in tip.topics}
    chosen = [by_id[i] for i in TIPS_BY_ZONE[zone] if i in by_id]
    if not chosen:
        chosen = list(by_id.values())[:1]
    return chosen[:MAX_TIPS]
