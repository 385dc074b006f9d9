"""One clip, start to finish, as the video worker runs it: landmarks, figures, the still.

`analyse_video` is what the bot sends to the worker. `result_of` is the part
after the pose boundary, so a test can hand the worker a landmark sequence
instead of a clip (`tests/video/sources.py`) and still exercise everything
else: the measurement, the still, the worker and the bot.
"""

from __future__ import annotations

from dataclasses import dataclass

from coaching.video.measure import FormMeasure, measure
from coaching.video.track import PoseTrack
from knowledge.schema import VideoGuidance


@dataclass(frozen=True)
class VideoResult:
    form: FormMeasure
    still_jpeg: bytes | None
    """The annotated still, or None when it could not be drawn."""


def result_of(
    track: PoseTrack, guidance: VideoGuidance, played_seconds: float | None = None
) -> VideoResult:
    """Figures and the annotated still from landmarks (raises `VideoError`)."""
    from coaching.video.still import annotate

    form = measure(track, guidance, played_seconds)
    return VideoResult(form, annotate(track, form))


def analyse_video(
    path: str,
    guidance: VideoGuidance,
    played_seconds: float | None = None,
    progress: str | None = None,
) -> VideoResult:
    """The clip at `path`: pose on every analysed frame, then `result_of`. Blocking.

    `guidance` (the knowledge base's video thresholds) travels with the clip, so
    the worker measures by the content the bot was started with.
    """
    from coaching.video.pose import extract

    return result_of(extract(path, progress), guidance, played_seconds)
