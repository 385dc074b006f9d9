"""The cadence-over-the-run chart as PNG bytes. Blocking: call it via `asyncio.to_thread`."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402 - the backend must be chosen first


def cadence_chart(
    series: Sequence[tuple[float, float]],
    target: tuple[float, float],
    title: str,
    x_label: str,
    y_label: str,
) -> bytes:
    """Steps/min against minutes of running, with the target range shaded."""
    figure = Figure(figsize=(7, 4), dpi=100)
    axes = figure.subplots()
    axes.axhspan(target[0], target[1], color="tab:green", alpha=0.15, lw=0)
    axes.plot([x for x, _ in series], [y for _, y in series], color="tab:blue", lw=1)
    values = [y for _, y in series] or [target[0]]
    axes.set_ylim(min(min(values), target[0]) - 10, max(max(values), target[1]) + 10)
    axes.set_xlabel(x_label)
    axes.set_ylabel(y_label)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
