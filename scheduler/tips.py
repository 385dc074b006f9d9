"""Which weekly tip an athlete gets next.

The pool is every tip for the athlete's audiences (everyone, plus "triathlete"
for triathletes) that is either general (no faults) or about a fault their
latest self-test found. Tips they have not had come first, those about their
own findings before general ones; once the pool is used up, the tip they had
longest ago comes round again. Without a self-test, only general tips qualify
(falling back to any tip for their audience if there are none).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from knowledge.schema import Tip

FOUND_LEVELS = frozenset({"mild", "marked"})


def audiences_for(triathlete: bool | None) -> set[str]:
    return {"all", "triathlete"} if triathlete else {"all"}


def found_faults(findings: Mapping[str, str] | None) -> set[str]:
    """Faults the self-test found at a mild or marked level."""
    return {fault for fault, level in (findings or {}).items() if level in FOUND_LEVELS}


def tip_pool(
    tips: Sequence[Tip], findings: Mapping[str, str] | None, triathlete: bool | None
) -> list[Tip]:
    """The tips fit for this athlete, those about their own findings first."""
    audiences = audiences_for(triathlete)
    faults = found_faults(findings)
    for_audience = [t for t in tips if audiences & set(t.audiences)]
    matched = [t for t in for_audience if faults & set(t.faults)]
    general = [t for t in for_audience if not t.faults]
    pool = matched + general
    return pool or for_audience


def select_tip(
    tips: Sequence[Tip],
    findings: Mapping[str, str] | None,
    triathlete: bool | None,
    sent: Mapping[str, dt.datetime],
) -> Tip | None:
    """The next tip, given `sent` (tip id → when it was last sent); None if no tip fits."""
    pool = tip_pool(tips, findings, triathlete)
    for tip in pool:
        if tip.id not in sent:
            return tip
    if not pool:
        return None
    return min(pool, key=lambda t: sent[t.id])  # min() keeps pool order on ties
