"""Charts as PNG bytes. matplotlib is slow and blocking: call these via `asyncio.to_thread`."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402 - the backend must be chosen first

LEVEL_VALUES = {"none": 0, "mild": 1, "marked": 2}


def findings_chart(
    dates: Sequence[dt.datetime],
    findings: Sequence[dict[str, str]],
    fault_names: dict[str, str],
    level_names: Sequence[str],
    title: str,
) -> bytes:
    """One line per fault across results, on a none / mild / marked scale."""
    figure = Figure(figsize=(7, 4), dpi=100)
    axes = figure.subplots()
    for offset, (fault, name) in enumerate(fault_names.items()):
        values = [
            LEVEL_VALUES.get(f.get(fault, "none"), 0) + (offset - 1.5) * 0.04 for f in findings
        ]
        axes.plot(list(dates), values, marker="o", label=name)  # type: ignore[arg-type]
    axes.set_yticks([0, 1, 2], labels=list(level_names))
    axes.set_ylim(-0.3, 2.3)
    axes.set_title(title)
    axes.legend(loc="upper right", fontsize="small")
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
