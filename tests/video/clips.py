"""Short clips written with OpenCV for the tests and the benchmark (the `video` extra)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]


def portrait() -> Image:
    """A real photograph of a person: Grace Hopper, from matplotlib's sample data
    (public domain, US Navy), BGR as OpenCV reads it."""
    import cv2
    import matplotlib

    path = os.path.join(matplotlib.get_data_path(), "sample_data", "grace_hopper.jpg")
    image = cv2.imread(path)
    assert image is not None, path
    return np.asarray(image, dtype=np.uint8)


def empty_room(width: int = 640, height: int = 360) -> Image:
    """A frame with no one in it: a floor, a wall and a door."""
    image = np.full((height, width, 3), (200, 205, 210), dtype=np.uint8)
    image[height * 2 // 3 :] = (90, 110, 130)
    image[height // 5 : height * 2 // 3, width // 3 : width // 3 + width // 8] = (60, 70, 90)
    return image


def write_clip(path: Path, frames: Iterable[Image], fps: float = 30.0) -> Path:
    """An mp4 (MPEG-4 part 2, which every OpenCV build writes) of the frames."""
    import cv2

    writer: cv2.VideoWriter | None = None
    try:
        for frame in frames:
            if writer is None:
                height, width = frame.shape[:2]
                fourcc = cv2.VideoWriter.fourcc(*"mp4v")
                writer = cv2.VideoWriter(str(path), fourcc, fps, (width, height))
                assert writer.isOpened(), "OpenCV cannot write mp4 here"
            writer.write(frame)
    finally:
        if writer is not None:
            writer.release()
    return path


def framed(image: Image, width: int, height: int, shift: int = 0) -> Image:
    """`image` scaled to the frame's height and placed (shifted right by `shift`) on grey."""
    import cv2

    scale = height / image.shape[0]
    scaled = cv2.resize(image, (round(image.shape[1] * scale), height))
    frame = np.full((height, width, 3), 128, dtype=np.uint8)
    left = max(0, min(width - scaled.shape[1], (width - scaled.shape[1]) // 2 + shift))
    frame[:, left : left + scaled.shape[1]] = scaled[:, : width - left]
    return frame
