"""What pose estimation hands to the measurement: landmarks per analysed frame.

The measurement never sees pixels or MediaPipe objects, only this: so it is
tested on synthetic sequences with known answers, and a test can put any
sequence at the pose boundary. Coordinates are MediaPipe's: x and y as a
fraction of the frame's width and height (y grows downwards), NaN where no
person was found in a frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Points = npt.NDArray[np.float64]
"""Shape (frames, 33, 3): x, y (fractions of the frame) and visibility (0–1)."""

LANDMARKS = 33
NOSE = 0
LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
LEFT_HIP, RIGHT_HIP = 23, 24
LEFT_KNEE, RIGHT_KNEE = 25, 26
LEFT_ANKLE, RIGHT_ANKLE = 27, 28
LEFT_HEEL, RIGHT_HEEL = 29, 30
LEFT_FOOT, RIGHT_FOOT = 31, 32

LEG_PAIRS = (
    (LEFT_HIP, RIGHT_HIP),
    (LEFT_KNEE, RIGHT_KNEE),
    (LEFT_ANKLE, RIGHT_ANKLE),
    (LEFT_HEEL, RIGHT_HEEL),
    (LEFT_FOOT, RIGHT_FOOT),
)
"""Left/right landmark pairs of the lower body, swapped together when the labels flip."""

SKELETON = (
    (LEFT_SHOULDER, RIGHT_SHOULDER),
    (LEFT_SHOULDER, LEFT_HIP),
    (RIGHT_SHOULDER, RIGHT_HIP),
    (LEFT_HIP, RIGHT_HIP),
    (LEFT_HIP, LEFT_KNEE),
    (LEFT_KNEE, LEFT_ANKLE),
    (LEFT_ANKLE, LEFT_HEEL),
    (LEFT_HEEL, LEFT_FOOT),
    (LEFT_ANKLE, LEFT_FOOT),
    (RIGHT_HIP, RIGHT_KNEE),
    (RIGHT_KNEE, RIGHT_ANKLE),
    (RIGHT_ANKLE, RIGHT_HEEL),
    (RIGHT_HEEL, RIGHT_FOOT),
    (RIGHT_ANKLE, RIGHT_FOOT),
)
"""The lines drawn on the annotated still."""


@dataclass(frozen=True)
class PoseTrack:
    """Landmarks of every analysed frame of one clip, with what the clip said about itself."""

    fps: float
    """Analysed frames per second of real time (after skipping frames of a fast clip)."""
    width: int
    height: int
    """Pixel size of the analysed frames: x and y are scaled by these to compare lengths."""
    points: Points
    declared_fps: float | None = None
    """The container's frame rate, when it gave one."""
    cut_at_s: float | None = None
    """Where a longer clip stopped being analysed."""
    frames_jpeg: tuple[bytes, ...] = field(default=(), repr=False)
    """The analysed frames (small JPEGs), for the annotated still; empty for a synthetic track."""

    @property
    def frames(self) -> int:
        return int(self.points.shape[0])

    @property
    def seconds(self) -> float:
        return self.frames / self.fps if self.fps > 0 else 0.0
