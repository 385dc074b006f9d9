"""Running form from a phone video: cadence, overstride and pelvic drop, measured offline.

The athlete films themselves running (from the side for cadence and
overstride, from behind for pelvic drop, after standing still for two
seconds); the bot saves the clip to a temporary file and hands its path to
the instance's one video worker (`video_queue()`), which finds the pose on
every frame with MediaPipe (`pose`), measures the running form from the
landmarks alone (`measure`, pure and tested on synthetic runners) and draws
one annotated still (`still`). Only the figures are stored (`store`); the clip
is deleted once analysed.

    place = queue.join(athlete_id)          # Busy if they already have one in line
    result = await queue.run(athlete_id, analyse_video, path, kb.video, played_seconds, progress)
    await save_video(session, athlete_id, result.form, now)

MediaPipe and OpenCV are the optional `video` extra: without them
`available()` is False and the bot says so; everything else here imports
without them. `measured_form` is the latest measured figures of an athlete;
`with_measured` puts them over the self-test's findings wherever findings are
shown or planned from (a measured value outranks a by-eye answer).
"""

from __future__ import annotations

import logging
import threading

from coaching.video.errors import Reason, VideoError
from coaching.video.findings import (
    Findings,
    MeasuredFinding,
    StrideFigures,
    measured_levels,
    stride_figures,
    with_measured,
)
from coaching.video.job import VideoResult, analyse_video, result_of
from coaching.video.measure import (
    FormMeasure,
    Overstride,
    PelvicDrop,
    PelvicMissing,
    Spread,
    View,
    measure,
)
from coaching.video.pose import MAX_SECONDS, available
from coaching.video.queue import VIDEO_LIMITS, Busy, VideoQueue
from coaching.video.store import MeasuredForm, measured_form, recent_videos, save_video
from coaching.video.track import PoseTrack

MAX_FILE_BYTES = 20 * 1024 * 1024
"""The Bot API lets a bot download files up to 20 MB."""
EXTENSIONS = (".mp4", ".mov")
MIME_TYPES = ("video/mp4", "video/quicktime")

log = logging.getLogger(__name__)
_queue: VideoQueue | None = None
_queue_lock = threading.Lock()


def is_video_file(filename: str | None, mime_type: str | None) -> bool:
    """An mp4 or mov, by name or by type."""
    name = (filename or "").strip().lower()
    return name.endswith(EXTENSIONS) or (mime_type or "").lower() in MIME_TYPES


def video_queue() -> VideoQueue:
    """The instance's video worker and its line, created on first use."""
    global _queue
    with _queue_lock:
        if _queue is None:
            _queue = VideoQueue(preload=("coaching.video.warm",))
        return _queue


async def start_video_worker() -> None:
    """Start the worker and load the model now, if this server has the extra.

    A failure is logged, not raised: the first clip then starts a worker again,
    and says why if it cannot.
    """
    if not available():
        log.info("video analysis is not installed (the video extra): /video will say so")
        return
    try:
        await video_queue().warm()
    except Exception:
        log.exception("the video worker did not start")


def close_video_queue() -> None:
    """Stop the worker (at shutdown); the next `video_queue()` starts afresh."""
    global _queue
    with _queue_lock:
        queue, _queue = _queue, None
    if queue is not None:
        queue.close()


__all__ = [
    "EXTENSIONS",
    "MAX_FILE_BYTES",
    "MAX_SECONDS",
    "MIME_TYPES",
    "VIDEO_LIMITS",
    "Busy",
    "Findings",
    "FormMeasure",
    "MeasuredFinding",
    "MeasuredForm",
    "Overstride",
    "PelvicDrop",
    "PelvicMissing",
    "PoseTrack",
    "Reason",
    "Spread",
    "StrideFigures",
    "VideoError",
    "VideoQueue",
    "VideoResult",
    "View",
    "analyse_video",
    "available",
    "close_video_queue",
    "is_video_file",
    "measure",
    "measured_form",
    "measured_levels",
    "stride_figures",
    "with_measured",
    "recent_videos",
    "result_of",
    "save_video",
    "start_video_worker",
    "video_queue",
]
