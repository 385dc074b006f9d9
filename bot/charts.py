"""Charts as PNG bytes. matplotlib is slow and blocking: call these via `asyncio.to_thread`."""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402 - the backend must be chosen first

LEVEL_VALUES = {"none": 0, "mild": 1, "marked": 2}
"""The judged levels; anything else ("untested") has no place on the scale."""


def judged(
    dates: Sequence[dt.datetime], findings: Sequence[Mapping[str, str]]
) -> list[tuple[dt.datetime, Mapping[str, str]]]:
    """The results that judged at least one fault: a test with not enough answers says
    nothing, so it is not a point on the chart."""
    return [
        (when, found)
        for when, found in zip(dates, findings, strict=True)
        if any(level in LEVEL_VALUES for level in found.values())
    ]


def findings_chart(
    dates: Sequence[dt.datetime],
    findings: Sequence[Mapping[str, str]],
    fault_names: dict[str, str],
    level_names: Sequence[str],
    title: str,
) -> bytes:
    """One line per fault across results, on a none / mild / marked scale.

    A finding the answers could not judge is a gap in its line, never "fine".
    """
    figure = Figure(figsize=(7, 4), dpi=100)
    axes = figure.subplots()
    points = judged(dates, findings)
    for offset, (fault, name) in enumerate(fault_names.items()):
        values = [
            LEVEL_VALUES[level] + (offset - 1.5) * 0.04
            if (level := found.get(fault)) in LEVEL_VALUES
            else math.nan
            for _, found in points
        ]
        axes.plot([when for when, _ in points], values, marker="o", label=name)  # type: ignore[arg-type]
    axes.set_yticks([0, 1, 2], labels=list(level_names))
    axes.set_ylim(-0.3, 2.3)
    axes.set_title(title)
    axes.legend(loc="upper right", fontsize="small")
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
