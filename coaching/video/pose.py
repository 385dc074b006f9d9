"""MediaPipe's pose landmarks for every analysed frame of a clip (the `video` extra).

The legacy pose solution at `model_complexity=1` is the one configuration
whose models (the person detector and the full landmark model) ship inside
the `mediapipe` 0.10.14 wheel, so nothing is downloaded at run time. Frames
are decoded by OpenCV, shrunk (MediaPipe works on a 256-pixel crop anyway),
and fed in order, so the model tracks the runner from frame to frame instead
of searching the whole picture each time. A clip longer than `MAX_SECONDS`
is cut there; a fast clip (60 fps and up) is thinned to about `TARGET_FPS`.

Blocking and CPU-heavy: it runs in the video worker (`coaching.video.queue`),
never on the event loop. cv2 and mediapipe are imported only here, so the
rest of the package works without the extra.
"""

from __future__ import annotations

import importlib.util
import math
import os
import sys
from typing import Any

import numpy as np

from coaching.video.errors import Reason, VideoError
from coaching.video.track import LANDMARKS, PoseTrack

MAX_SECONDS = 30.0
TARGET_FPS = 30.0
MAX_SIDE = 640
"""Analysed frames are shrunk to this many pixels on their longer side."""
PROGRESS_EVERY = 15
"""Frames between two progress notes."""

_model: Any = None


def available() -> bool:
    """Whether this server has the `video` extra (MediaPipe and OpenCV)."""
    return all(importlib.util.find_spec(name) is not None for name in ("mediapipe", "cv2"))


def model() -> Any:
    """The process' one pose model, built on first use (the worker builds it at start)."""
    global _model
    if _model is None:
        from mediapipe.python.solutions import pose as mp_pose

        _model = mp_pose.Pose(
            static_image_mode=False,
            model_complexity=1,
            smooth_landmarks=True,
            enable_segmentation=False,
            min_detection_confidence=0.5,
            min_tracking_confidence=0.5,
        )
    return _model


def silence_native_stderr() -> None:
    """MediaPipe and TensorFlow Lite write notes ("Created TensorFlow Lite XNNPACK
    delegate", feedback-tensor warnings) straight to file descriptor 2, which the
    worker shares with the bot: they would land in the bot's log and after its
    one-line start-up errors. Called in the worker only (`coaching.video.warm`): in the
    bot's own process it would hide other libraries' errors. Only Python's own stderr
    (tracebacks, logging) keeps the real descriptor; the native libraries' writes go
    to /dev/null.
    """
    if getattr(silence_native_stderr, "done", False):
        return
    sys.stderr.flush()
    python_stderr = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = os.fdopen(python_stderr, "w", buffering=1, errors="backslashreplace")
    silence_native_stderr.done = True  # type: ignore[attr-defined]


def warm() -> None:
    """Build the model and run it once, so the first clip pays for neither."""
    pose = model()
    pose.process(np.zeros((256, 256, 3), dtype=np.uint8))
    pose.reset()


def _note(progress: str | None, done: int, total: int) -> None:
    """Write "done total" where the bot polls it; a failed note never stops the analysis."""
    if progress is None:
        return
    try:
        with open(progress + ".tmp", "w", encoding="ascii") as out:
            out.write(f"{done} {total}")
        os.replace(progress + ".tmp", progress)
    except OSError:
        pass


def _row(result: Any) -> np.ndarray:
    row = np.full((LANDMARKS, 3), np.nan)
    found = result.pose_landmarks
    if found is None:
        return row
    for i, mark in enumerate(found.landmark[:LANDMARKS]):
        row[i] = (mark.x, mark.y, mark.visibility)
    return row


def extract(path: str, progress: str | None = None) -> PoseTrack:
    """Landmarks of the clip at `path`, with its frame rate and the analysed frames."""
    import cv2

    capture = cv2.VideoCapture(path)
    try:
        if not capture.isOpened():
            raise VideoError(Reason.UNREADABLE, "OpenCV cannot open it")
        declared = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        fps = declared if 1.0 <= declared <= 1000.0 else TARGET_FPS
        step = max(1, round(fps / TARGET_FPS))
        limit = math.ceil(MAX_SECONDS * fps)
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        total = max(1, math.ceil(min(count or limit, limit) / step))
        pose = model()
        pose.reset()
        rows: list[np.ndarray] = []
        jpegs: list[bytes] = []
        size: tuple[int, int] | None = None
        index = 0
        cut: float | None = None
        while True:
            if index >= limit:
                cut = MAX_SECONDS if capture.grab() else None
                break
            if index % step:  # a frame skipped on a fast clip: decoded, never converted
                if not capture.grab():
                    break
                index += 1
                continue
            ok, frame = capture.read()
            if not ok:
                break
            index += 1
            if size is None:
                height, width = frame.shape[:2]
                shrink = min(1.0, MAX_SIDE / max(height, width))
                size = (max(1, round(width * shrink)), max(1, round(height * shrink)))
            small = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
            rows.append(_row(pose.process(cv2.cvtColor(small, cv2.COLOR_BGR2RGB))))
            jpegs.append(bytes(cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 80])[1]))
            if len(rows) % PROGRESS_EVERY == 0:
                _note(progress, len(rows), total)
    finally:
        capture.release()
    if not rows or size is None:
        raise VideoError(Reason.UNREADABLE, "no frame decoded")
    _note(progress, len(rows), len(rows))
    return PoseTrack(
        fps=fps / step,
        width=size[0],
        height=size[1],
        points=np.stack(rows),
        declared_fps=declared if declared > 0 else None,
        cut_at_s=cut,
        frames_jpeg=tuple(jpegs),
    )
