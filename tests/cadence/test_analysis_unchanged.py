"""The analysis gives, bit for bit, the figures it gave before it worked on columns."""

from __future__ import annotations

import json

import pytest

from tests.cadence.analysis_figures import FIGURES, all_figures

EXPECTED = json.loads(FIGURES.read_text())
FOUND = all_figures()


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_real_files_give_the_same_figures(case: str) -> None:
    assert FOUND[case] == EXPECTED[case]


def test_every_case_is_checked() -> None:
    assert sorted(FOUND) == sorted(EXPECTED)
