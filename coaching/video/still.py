"""The annotated still: the skeleton at a typical foot contact, with the measured angle.

Drawn with OpenCV on the analysed frame (a synthetic track has none: then on
a plain background). Only figures are written on it, never words, so the one
picture serves every language; the caption says what it shows.
"""

from __future__ import annotations

import math

import numpy as np

from coaching.video.measure import FormMeasure, View
from coaching.video.track import (
    LEFT_ANKLE,
    LEFT_HIP,
    LEFT_KNEE,
    RIGHT_ANKLE,
    RIGHT_HIP,
    RIGHT_KNEE,
    SKELETON,
    PoseTrack,
)

LINE = (80, 220, 80)
ANGLE = (40, 200, 255)
REFERENCE = (255, 255, 255)


def annotate(track: PoseTrack, form: FormMeasure) -> bytes | None:
    """A JPEG of the still, or None where OpenCV is missing or the frame lost its runner."""
    try:
        import cv2
    except ImportError:
        return None
    index = min(max(form.still_frame, 0), track.frames - 1)
    if track.frames_jpeg:
        image = cv2.imdecode(np.frombuffer(track.frames_jpeg[index], np.uint8), cv2.IMREAD_COLOR)
    else:
        image = np.full((track.height, track.width, 3), 60, dtype=np.uint8)
    if image is None:
        return None
    height, width = image.shape[:2]
    row = track.points[index]
    if np.isnan(row[:, :2]).any():
        return None

    def at(landmark: int) -> tuple[int, int]:
        return round(float(row[landmark, 0]) * width), round(float(row[landmark, 1]) * height)

    thick = max(2, round(max(width, height) / 200))
    for start, end in SKELETON:
        cv2.line(image, at(start), at(end), LINE, thick, cv2.LINE_AA)
    if form.view is View.UNCLEAR:
        anchor = None  # no angle was measured: the skeleton alone
    elif form.view is View.REAR:
        left, right = at(LEFT_HIP), at(RIGHT_HIP)
        cv2.line(image, left, right, ANGLE, thick + 1, cv2.LINE_AA)
        # The level is the pelvis as it stood: camera tilt included, like the measurement.
        reach = right[0] - left[0]
        sink = round(abs(reach) * math.tan(math.radians(form.level_deg)))
        cv2.line(image, left, (left[0] + reach, left[1] + sink), REFERENCE, 1, cv2.LINE_AA)
        anchor = (min(left[0], right[0]), min(left[1], right[1]) - 4 * thick)
    else:
        on_right = form.still_side == "right"
        knee, ankle = (RIGHT_KNEE, RIGHT_ANKLE) if on_right else (LEFT_KNEE, LEFT_ANKLE)
        knee_at, ankle_at = at(knee), at(ankle)
        cv2.line(image, knee_at, ankle_at, ANGLE, thick + 1, cv2.LINE_AA)
        length = math.dist(knee_at, ankle_at)
        upright = (ankle_at[0], round(ankle_at[1] - length))
        cv2.line(image, ankle_at, upright, REFERENCE, 1, cv2.LINE_AA)
        anchor = (knee_at[0] + 3 * thick, knee_at[1])
    if anchor is not None:
        text = f"{form.still_angle:.0f} deg"
        scale = max(0.5, max(width, height) / 900)
        font = cv2.FONT_HERSHEY_SIMPLEX
        cv2.putText(image, text, anchor, font, scale, (0, 0, 0), thick + 2)
        cv2.putText(image, text, anchor, font, scale, ANGLE, thick)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return bytes(encoded) if ok else None
