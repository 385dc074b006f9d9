"""The results chart draws what was judged: a gap where a finding was not tested,
and nothing at all for a test with not enough answers."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import Any

import pytest
from matplotlib.axes import Axes

from bot import charts
from coaching.scoring import UNTESTED

DAYS = [dt.datetime(2026, 3, day, 8, tzinfo=dt.UTC) for day in (2, 9, 16)]
NAMES = {"hip_drop": "Hip drop", "overstriding": "Overstriding"}


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, tuple[list[Any], list[float]]]]:
    """Each line `findings_chart` plots, by label: its dates and values."""
    lines: dict[str, tuple[list[Any], list[float]]] = {}
    plot = Axes.plot

    def recording(self: Axes, x: Any, y: Any, *args: Any, **kwargs: Any) -> Any:
        lines[kwargs["label"]] = (list(x), list(y))
        return plot(self, x, y, *args, **kwargs)

    monkeypatch.setattr(Axes, "plot", recording)
    yield lines


def test_untested_is_a_gap_and_an_all_skipped_test_is_left_out(
    drawn: dict[str, tuple[list[Any], list[float]]],
) -> None:
    findings = [
        {"hip_drop": "marked", "overstriding": "none"},
        {"hip_drop": UNTESTED, "overstriding": UNTESTED},  # every step skipped
        {"hip_drop": "none", "overstriding": UNTESTED},
    ]
    png = charts.findings_chart(DAYS, findings, NAMES, ["fine", "mild", "marked"], "Results")
    assert png.startswith(b"\x89PNG")
    dates, hip_drop = drawn["Hip drop"]
    assert dates == [DAYS[0], DAYS[2]]
    assert [round(v) for v in hip_drop] == [2, 0]
    dates, overstriding = drawn["Overstriding"]
    assert dates == [DAYS[0], DAYS[2]]
    assert round(overstriding[0]) == 0
    assert math.isnan(overstriding[1]), "not tested is not drawn as fine"
