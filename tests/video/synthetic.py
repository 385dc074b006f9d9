"""A runner drawn as landmarks, with the answers known: cadence, contacts, reach, drop.

The figure is built in body units (standing nose to heel about 1) and projected
into the frame: from the side (legs overlapping, the runner facing right or
left) or from behind (hips apart). Each foot is on the ground for the first
`stance` share of its stride and swings after; the left foot lands at phase 0,
the right half a stride later. The knee follows from the hip and ankle with
fixed thigh and shank lengths, so the leg length is the same in every frame.

Pelvic drop: in each stance the swing side's hip sinks to `drop` degrees at
mid-stance (plus a little seeded variation per stride). A camera tilt rotates
the whole picture, standing included, so the standing reference removes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from coaching.video.track import (
    LANDMARKS,
    LEFT_ANKLE,
    LEFT_FOOT,
    LEFT_HEEL,
    LEFT_HIP,
    LEFT_KNEE,
    LEFT_SHOULDER,
    LEG_PAIRS,
    NOSE,
    RIGHT_ANKLE,
    RIGHT_FOOT,
    RIGHT_HEEL,
    RIGHT_HIP,
    RIGHT_KNEE,
    RIGHT_SHOULDER,
    Points,
    PoseTrack,
)
from knowledge import get_knowledge

GUIDANCE = get_knowledge().video
"""The shipped knowledge base's video thresholds, as the bot passes them to the worker."""

THIGH, SHANK = 0.26, 0.26
LEG = THIGH + SHANK
HIP_Y = 0.45
GROUND_Y = 0.98
"""Heel height of a foot on the ground (body units, from the nose down)."""


@dataclass
class Runner:
    cadence_spm: float = 170.0
    fps: float = 30.0
    seconds: float = 10.0
    view: str = "side"
    facing: float = 1.0
    """Side view: +1 runs towards the image's right."""
    reach: float = 0.25
    """Heel ahead of the hip at contact, in leg lengths."""
    drop_left: float = 5.0
    drop_right: float = 5.0
    """Degrees the swing side's hip sinks in a stance on that leg."""
    drop_sd: float = 0.5
    drop_swing: float = 0.0
    """Added to the left stance's drop on even strides and taken off on odd ones: a
    difference in the mean that does not hold step after step."""
    tilt: float = 0.0
    """Camera roll, degrees."""
    standing_s: float = 0.0
    body_share: float = 0.75
    """Nose to heel, as a share of the frame's height."""
    width: int = 1080
    height: int = 1920
    stance: float = 0.32
    noise: float = 0.001
    seed: int = 7
    contacts: list[tuple[float, str]] = field(default_factory=list)
    """Filled by `track()`: (time, side) of each foot contact while running."""
    shins: list[float] = field(default_factory=list)
    """Filled by `track()`: the shin angle at each contact, degrees, ankle ahead positive."""

    @property
    def stride_s(self) -> float:
        return 120.0 / self.cadence_spm

    def track(self, declared_fps: float | None = None) -> PoseTrack:
        frames = round(self.seconds * self.fps)
        rng = np.random.default_rng(self.seed)
        strides = int(self.seconds / self.stride_s) + 2
        drops = {
            "left": self.drop_left
            + rng.normal(0, self.drop_sd, strides)
            + self.drop_swing * (1 - 2 * (np.arange(strides) % 2)),
            "right": self.drop_right + rng.normal(0, self.drop_sd, strides),
        }
        points = np.full((frames, LANDMARKS, 3), np.nan)
        self.contacts, self.shins = [], []
        for i in range(frames):
            t = i / self.fps
            points[i] = self._frame(t, drops)
        self._note_contacts(frames)
        points[:, :, :2] += rng.normal(0, self.noise, (frames, LANDMARKS, 2))
        return PoseTrack(
            fps=self.fps,
            width=self.width,
            height=self.height,
            points=points,
            declared_fps=declared_fps if declared_fps is not None else self.fps,
        )

    def _note_contacts(self, frames: int) -> None:
        end = frames / self.fps
        for k in range(int(end / self.stride_s) + 2):
            for side, offset in (("left", 0.0), ("right", 0.5)):
                t = self.standing_s + (k + offset) * self.stride_s
                if self.standing_s < t < end - 1 / self.fps:
                    self.contacts.append((t, side))
        self.contacts.sort()

    # ------------------------------------------------------------------ one frame

    def _foot(self, t: float, offset: float) -> tuple[float, float, float]:
        """(x ahead of the hip in body units, lift above ground, phase) of one foot."""
        if t < self.standing_s:
            return 0.0, 0.0, -1.0
        phase = ((t - self.standing_s) / self.stride_s - offset) % 1.0
        front, back = self.reach * LEG, -0.35 * LEG
        if phase < self.stance:
            x = front + (back - front) * phase / self.stance
            return x, 0.0, phase
        swing = (phase - self.stance) / (1 - self.stance)
        x = back + (front - back) * (1 - math.cos(math.pi * swing)) / 2
        lift = 0.22 * math.sin(math.pi * swing) ** 1.5
        return x, lift, phase

    def _frame(self, t: float, drops: dict[str, np.ndarray]) -> Points:
        body = np.zeros((LANDMARKS, 3))
        body[:, 2] = 1.0
        running = t >= self.standing_s
        stride = int((t - self.standing_s) / self.stride_s) if running else 0
        bounce = 0.0
        tilt_body = 0.0
        feet = {}
        for side, offset in (("left", 0.0), ("right", 0.5)):
            x, lift, phase = self._foot(t, offset)
            feet[side] = (x, lift, phase)
            if running and 0 <= phase < self.stance:
                bounce = 0.025 * math.sin(math.pi * phase / self.stance)
                sign = 1.0 if side == "left" else -1.0
                tilt_body = sign * drops[side][stride] * math.sin(math.pi * phase / self.stance)
        rear = self.view == "rear"
        half_hip = 0.08 if rear else 0.004
        hip_y = HIP_Y + bounce
        # Pelvic tilt positive: the right hip lower (image y larger).
        dy = half_hip * math.tan(math.radians(tilt_body)) if rear else 0.0
        body[NOSE, :2] = (0.0, bounce)
        body[LEFT_SHOULDER, :2] = (-0.16 if rear else -0.005, 0.15 + bounce)
        body[RIGHT_SHOULDER, :2] = (0.16 if rear else 0.005, 0.15 + bounce)
        body[LEFT_HIP, :2] = (-half_hip, hip_y - dy)
        body[RIGHT_HIP, :2] = (half_hip, hip_y + dy)
        for side, hip, knee, ankle, heel, foot in (
            ("left", LEFT_HIP, LEFT_KNEE, LEFT_ANKLE, LEFT_HEEL, LEFT_FOOT),
            ("right", RIGHT_HIP, RIGHT_KNEE, RIGHT_ANKLE, RIGHT_HEEL, RIGHT_FOOT),
        ):
            x, lift, phase = feet[side]
            heel_y = GROUND_Y - lift
            if rear:
                hx = body[hip, 0]
                body[heel] = (hx, heel_y, 1)
                body[ankle] = (hx, heel_y - 0.04, 1)
                body[foot] = (hx, heel_y + 0.005, 1)
                body[knee] = (hx, (body[hip, 1] + heel_y) / 2, 1)
                continue
            heel_x = x
            ankle_x, ankle_y = heel_x + 0.02, heel_y - 0.04
            body[heel] = (heel_x, heel_y, 1)
            body[ankle] = (ankle_x, ankle_y, 1)
            body[foot] = (heel_x + 0.12, heel_y + 0.005, 1)
            kx, ky = _knee(0.0, hip_y, ankle_x, ankle_y)
            body[knee] = (kx, ky, 1)
        return self._project(body)

    def _project(self, body: Points) -> Points:
        scale = self.body_share * self.height / (GROUND_Y - 0.0)
        out = body.copy()
        xs = body[:, 0] * (self.facing if self.view == "side" else 1.0) * scale
        ys = (body[:, 1] - (GROUND_Y / 2)) * scale
        angle = math.radians(self.tilt)
        rx = xs * math.cos(angle) - ys * math.sin(angle)
        ry = xs * math.sin(angle) + ys * math.cos(angle)
        out[:, 0] = 0.5 + rx / self.width
        out[:, 1] = 0.5 + ry / self.height
        return out

    def shin_at_contact(self) -> float:
        """The shin's angle from vertical when the heel lands (ankle ahead positive)."""
        ankle_x = self.reach * LEG + 0.02
        ankle_y = GROUND_Y - 0.04
        kx, ky = _knee(0.0, HIP_Y, ankle_x, ankle_y)
        return math.degrees(math.atan2(ankle_x - kx, ankle_y - ky))


def _knee(hx: float, hy: float, ax: float, ay: float) -> tuple[float, float]:
    """The knee of a leg from hip to ankle with fixed segments, bent forwards (+x)."""
    dx, dy = ax - hx, ay - hy
    reach = math.hypot(dx, dy)
    d = min(reach, LEG - 1e-6)
    along = (THIGH**2 - SHANK**2 + d**2) / (2 * d)
    across = math.sqrt(max(THIGH**2 - along**2, 0.0))
    ux, uy = dx / reach, dy / reach
    # Perpendicular pointing forwards (+x) for a leg pointing down.
    px, py = uy, -ux
    if px < 0:
        px, py = -px, -py
    return hx + ux * along + px * across, hy + uy * along + py * across


def swap_legs(points: Points, frames: list[int]) -> Points:
    """MediaPipe's left/right mix-up, in the given frames."""
    out = points.copy()
    for i in frames:
        for left, right in LEG_PAIRS:
            out[i, left], out[i, right] = points[i, right].copy(), points[i, left].copy()
    return out


def drop_frames(points: Points, frames: list[int]) -> Points:
    out = points.copy()
    out[frames] = np.nan
    return out
