"""The annotated still: a JPEG for every view, the angle only where one was measured."""

from __future__ import annotations

import dataclasses

import pytest

from coaching.video import View, measure
from coaching.video.still import annotate
from tests.video.synthetic import GUIDANCE, Runner

pytest.importorskip("cv2", reason="the video extra is not installed")


@pytest.mark.parametrize("view", ["side", "rear"])
def test_a_still_for_each_view(view: str) -> None:
    track = Runner(view=view, standing_s=2.0, seconds=12.0, width=360, height=640).track()
    form = measure(track, GUIDANCE)
    still = annotate(track, form)
    assert still is not None and still.startswith(b"\xff\xd8")


def test_an_unclear_view_gets_the_skeleton_without_an_angle() -> None:
    track = Runner(width=360, height=640).track()
    form = dataclasses.replace(measure(track, GUIDANCE), view=View.UNCLEAR)
    assert form.overstride is not None  # measured as a side view; drawn as unclear
    plain = annotate(track, form)
    angled = annotate(track, dataclasses.replace(form, view=View.SIDE))
    assert plain is not None and angled is not None and plain != angled
