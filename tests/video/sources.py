"""A landmark source at the pose boundary, for tests that drive the bot and the worker.

No drawn figure passes for a person with MediaPipe, and no footage of someone
running was found in an installable package, so the bot's end-to-end tests send
a "clip" whose bytes describe a synthetic runner (JSON: `Runner`'s fields).
The video worker runs `synthetic_clip` instead of the pose model: it reads the
runner, writes progress as the model's pass would, and goes on exactly as a real
clip does from there (`result_of`: the measurement and the annotated still).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from coaching.video import VideoResult, result_of
from knowledge.schema import VideoGuidance
from tests.video.synthetic import Runner


def clip_of(**runner: Any) -> bytes:
    """The bytes of a "clip" of this runner."""
    return json.dumps(runner).encode()


def synthetic_clip(
    path: str,
    guidance: VideoGuidance,
    played_seconds: float | None = None,
    progress: str | None = None,
) -> VideoResult:
    """`coaching.video.analyse_video` with the landmarks of the runner described at `path`."""
    spec = json.loads(Path(path).read_text())
    hold = spec.pop("hold", None)
    if hold is not None:  # the test keeps this clip in the worker until it makes the file
        if progress is not None:
            Path(progress).write_text("1 2")  # half-way, as the pose pass would note it
        deadline = time.monotonic() + 60
        while not Path(hold).exists() and time.monotonic() < deadline:
            time.sleep(0.02)
    track = Runner(**spec).track()
    if progress is not None:
        Path(progress).write_text(f"{track.frames} {track.frames}")
    return result_of(track, guidance, played_seconds)
