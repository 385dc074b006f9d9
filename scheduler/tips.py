"""Which weekly tip an athlete gets next: the tips as a curriculum.

The order is a course, not a shuffle:

1. The first tip is the content's `meta.first_tip`, the "why hips" introduction.
2. Then tips about the athlete's own findings (mild or marked), then everything
   else that fits them, in the order the content lists it.
3. Self-check tips (topic `self_check`: the bowl of water, the doorway, the
   compression test, leaning from the ankles...) reach everyone, tested or not:
   they are how an athlete finds out.
4. A tip about a fault reaches only those whose latest self-test found it: one
   that was judged fine, or could not be judged, gets no tip telling them how
   to fix it. A tip with `when_answers` reaches only those who answered so
   ("Already at 170–180?" only for those who said they are).
5. No more than two tips of one theme (a tip's first topic) in a row, when
   another theme is available without repeating a tip.
6. No tip repeats until every tip that fits has been sent; then the one sent
   longest ago comes round again.

With the shipped content an athlete who never does the self-test gets 36
different tips before the first repeat, one with a finding at least 40.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence

from knowledge.schema import Tip

FOUND_LEVELS = frozenset({"mild", "marked"})
SELF_CHECK = "self_check"
MAX_SAME_THEME = 2


def audiences_for(triathlete: bool | None) -> set[str]:
    return {"all", "triathlete"} if triathlete else {"all"}


def found_faults(findings: Mapping[str, str] | None) -> set[str]:
    """Faults the self-test found at a mild or marked level."""
    return {fault for fault, level in (findings or {}).items() if level in FOUND_LEVELS}


def fits(
    tip: Tip,
    found: Collection[str],
    audiences: Collection[str],
    answers: Mapping[str, str] | None,
) -> bool:
    """Whether the tip is for this athlete and says nothing their answers contradict."""
    if not set(audiences) & set(tip.audiences):
        return False
    for step, options in tip.when_answers.items():
        if answers is None or answers.get(step) not in options:
            return False
    if tip.faults and SELF_CHECK not in tip.topics:
        return bool(set(found) & set(tip.faults))
    return True


def tip_pool(
    tips: Sequence[Tip],
    findings: Mapping[str, str] | None,
    triathlete: bool | None,
    answers: Mapping[str, str] | None = None,
    first_tip: str | None = None,
) -> list[Tip]:
    """The tips fit for this athlete in curriculum order: the first tip, then those
    about their own findings, then the rest as the content lists them."""
    found = found_faults(findings)
    audiences = audiences_for(triathlete)
    fitting = [t for t in tips if fits(t, found, audiences, answers)]
    first = [t for t in fitting if t.id == first_tip]
    rest = [t for t in fitting if t.id != first_tip]
    matched = [t for t in rest if found & set(t.faults)]
    others = [t for t in rest if not found & set(t.faults)]
    return first + matched + others


def _recent_themes(pool: Sequence[Tip], sent: Mapping[str, dt.datetime]) -> list[str]:
    """The themes of the last tips sent, newest first."""
    themes = {t.id: t.theme for t in pool}
    newest = sorted((when, tip_id) for tip_id, when in sent.items() if tip_id in themes)
    return [themes[tip_id] for _, tip_id in reversed(newest[-MAX_SAME_THEME:])]


def _keeps_themes_varied(tip: Tip, recent: Sequence[str]) -> bool:
    return not (len(recent) >= MAX_SAME_THEME and all(t == tip.theme for t in recent))


def _first_varied(candidates: Sequence[Tip], recent: Sequence[str]) -> Tip:
    return next((t for t in candidates if _keeps_themes_varied(t, recent)), candidates[0])


def select_tip(
    tips: Sequence[Tip],
    findings: Mapping[str, str] | None,
    triathlete: bool | None,
    sent: Mapping[str, dt.datetime],
    answers: Mapping[str, str] | None = None,
    first_tip: str | None = None,
    avoid_topics: Collection[str] = (),
) -> Tip | None:
    """The next tip, given `sent` (tip id → when it was last sent); None if no tip fits.

    `avoid_topics` holds back tips on those topics (e.g. strength while a red-flag
    pain report pauses strength nudges), unless nothing else is left.
    """
    pool = tip_pool(tips, findings, triathlete, answers, first_tip)
    held_back = [t for t in pool if not set(t.topics) & set(avoid_topics)]
    pool = held_back or pool
    if not pool:
        return None
    recent = _recent_themes(pool, sent)
    unsent = [t for t in pool if t.id not in sent]
    if unsent:
        return _first_varied(unsent, recent)
    by_age = sorted(pool, key=lambda t: sent[t.id])  # sorted() keeps pool order on ties
    return _first_varied(by_age, recent)
