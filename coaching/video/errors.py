"""Why a clip was not measured: each reason is one message to the athlete."""

from __future__ import annotations

import enum


class Reason(enum.Enum):
    """The ui key of each refusal is `video_error_<value>`."""

    UNAVAILABLE = "unavailable"
    """The server lacks the `video` extra (MediaPipe, OpenCV)."""
    WRONG_FORMAT = "wrong_format"
    TOO_LARGE = "too_large"
    UNREADABLE = "unreadable"
    NO_PERSON = "no_person"
    TOO_SMALL = "too_small"
    LEFT_FRAME = "left_frame"
    SLOW_MOTION = "slow_motion"
    TOO_SHORT = "too_short"
    UNCLEAR = "unclear"
    """Feet found, but their rhythm is too irregular to count steps from."""
    TOO_COMPLEX = "too_complex"
    """The worker hit a limit or died."""


class VideoError(Exception):
    """A clip refused for `reason`; `detail` is for the log, never shown."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail

    def __reduce__(self) -> tuple[type[VideoError], tuple[Reason, str]]:
        """Pickled as (reason, detail), so it comes back whole from a worker process."""
        return (VideoError, (self.reason, self.detail))

    def __str__(self) -> str:
        return f"{self.reason.value}: {self.detail}" if self.detail else self.reason.value
