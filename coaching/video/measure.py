"""Cadence, overstride and pelvic drop from a `PoseTrack`: pure functions, no pixels.

Steps are found from the feet alone: a foot is on the ground while it is
near the lowest it gets within about a second (image y is largest), and a
foot contact is the first frame of such a stretch. That holds from the side
and from behind, on a treadmill or along a path, and needs no calibration.
Short gaps in the landmarks (a blurred frame) are bridged; a long gap splits
the clip, and no step is counted across it. MediaPipe now and then swaps the
left and right leg for a few frames; a swap is undone where keeping the labels
would make both legs jump and swapping them would not.

A stretch of at least `STANDING_MIN_S` with both feet on the ground is the
athlete standing still: the pelvis' tilt there is the level reference for
pelvic drop, so a tilted camera (or a hip landmark placed a little high on
one side) cancels out.

Refusals raise `VideoError`; what could not be measured in an otherwise good
clip (pelvic drop from the side, no standing moment) is said in the result.
The coaching thresholds (when a difference is flagged, how many strides and
steps are enough, what counts as running, how big the runner must be) are the
knowledge base's `VideoGuidance`, general guidance with their sources in
docs/video.md; the constants here are technical bounds of the tracking.
"""

from __future__ import annotations

import enum
import math
import statistics
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from coaching.video.errors import Reason, VideoError
from coaching.video.track import (
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
from knowledge.schema import VideoGuidance

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

MAX_GAP_S = 0.2
"""Landmarks missing for up to this long are interpolated; longer splits the clip."""
MIN_DETECTED_SHARE = 0.2
"""A runner found in fewer of the frames than this: "no runner"."""
MIN_IN_FRAME_SHARE = 0.75
"""A runner found whole in fewer of the frames than this has left the frame."""
FRAME_MARGIN = 0.02
NOSE_TO_HEEL = 0.87
"""Nose to heel over standing height: what the landmarks see of a runner's height."""
MAX_STEP_CV = 0.3
"""Step times varying more than this (coefficient of variation): the feet were not followed."""
SLOW_MOTION_RATIO = 1.5
"""Played for this much longer than its frames last: a slow-motion clip."""
STANDING_MIN_S = 1.0
REAR_RATIO = 0.3
SIDE_RATIO = 0.2
"""Hip width over torso length: at least REAR_RATIO seen from behind (or in front), at
most SIDE_RATIO from the side; in between the view is unclear."""
GROUND_WINDOW_S = 1.0
GROUND_DEPTH = 0.1
"""A foot is on the ground within this share of its up-and-down range of the lowest."""
MERGE_GAP_S = 0.1
"""A foot off the ground for no longer than this mid-stance is landmark jitter."""
GROUND_FLOOR = 0.02
"""…or within this share of the body's height, whichever is larger (a still foot)."""


class View(enum.Enum):
    SIDE = "side"
    REAR = "rear"
    UNCLEAR = "unclear"


class PelvicMissing(enum.Enum):
    """Why a clip that gave a cadence gave no pelvic drop."""

    NOT_REAR = "not_rear"
    NO_BASELINE = "no_baseline"
    TOO_FEW = "too_few"


@dataclass(frozen=True)
class Spread:
    """Mean and standard deviation of `n` values, one per foot contact or stance."""

    mean: float
    sd: float
    n: int

    @staticmethod
    def of(values: list[float]) -> Spread:
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        return Spread(statistics.fmean(values), sd, len(values))


@dataclass(frozen=True)
class Overstride:
    """Heel ahead of the hip at contact, in leg lengths, and the shin's angle from vertical
    (positive: ankle ahead of knee)."""

    leg_lengths: Spread
    shin_deg: Spread


@dataclass(frozen=True)
class PelvicDrop:
    """Peak contralateral drop in each stance, relative to standing, by stance leg."""

    left: Spread
    right: Spread
    more_on: str | None
    """"left" or "right": the stance leg with clearly more drop, or None when not clear."""


@dataclass(frozen=True)
class FormMeasure:
    view: View
    seconds: float
    steps: int
    cadence_spm: float
    overstride: Overstride | None
    pelvic_drop: PelvicDrop | None
    pelvic_missing: PelvicMissing | None
    still_frame: int
    """A typical foot contact, for the annotated still."""
    still_angle: float
    """The angle drawn on it: the shin (side view) or the pelvis against standing (rear)."""
    still_side: str
    """The leg on the ground in the still: "left" or "right"."""
    level_deg: float = 0.0
    """The pelvis' tilt in the picture while standing (rear view): the still's level line."""
    cut_at_s: float | None = None


@dataclass(frozen=True)
class Contact:
    frame: int
    side: str
    """"left" or "right"."""
    end: int
    """The frame after the stance."""


# ------------------------------------------------------------------ cleaning the landmarks


def detected(points: Points) -> Bools:
    """Frames where a person was found."""
    return np.asarray(~np.isnan(points[:, :, :2]).any(axis=(1, 2)), dtype=np.bool_)


def bridge_gaps(points: Points, max_gap: int) -> Points:
    """Linear interpolation over runs of missing frames no longer than `max_gap`."""
    out = points.copy()
    found = detected(points)
    index = np.flatnonzero(found)
    for before, after in zip(index[:-1], index[1:], strict=True):
        gap = after - before - 1
        if 0 < gap <= max_gap:
            for k in range(1, gap + 1):
                share = k / (gap + 1)
                out[before + k] = points[before] * (1 - share) + points[after] * share
    return out


def undo_swaps(points: Points) -> Points:
    """Put left and right legs back where one frame's labels jumped across."""
    out = points.copy()
    found = detected(points)
    lefts = [pair[0] for pair in LEG_PAIRS]
    rights = [pair[1] for pair in LEG_PAIRS]
    previous: int | None = None
    for i in range(len(out)):
        if not found[i]:
            continue
        if previous is not None:
            before, now = out[previous, :, :2], out[i, :, :2]
            keep = (
                np.abs(now[lefts] - before[lefts]).sum()
                + np.abs(now[rights] - before[rights]).sum()
            )
            swap = (
                np.abs(now[rights] - before[lefts]).sum()
                + np.abs(now[lefts] - before[rights]).sum()
            )
            if swap < 0.5 * keep:
                out[i, lefts], out[i, rights] = out[i, rights].copy(), out[i, lefts].copy()
        previous = i
    return out


def segments(found: Bools) -> list[tuple[int, int]]:
    """(start, end) of each run of found frames, end exclusive."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, here in enumerate(found):
        if here and start is None:
            start = i
        elif not here and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(found)))
    return runs


# ------------------------------------------------------------------ feet on the ground


def on_ground(y: Floats, window: int, floor: float) -> Bools:
    """Frames where a foot (image y, pixels) is near its lowest within `window` frames."""
    half = max(1, window // 2)
    padded = np.pad(y, half, mode="edge")
    windows = sliding_window_view(padded, 2 * half + 1)
    top, bottom = windows.max(axis=1), windows.min(axis=1)
    depth = np.maximum(GROUND_DEPTH * (top - bottom), floor)
    return np.asarray(y >= top - depth, dtype=np.bool_)


def _smooth(values: Floats) -> Floats:
    if len(values) < 3:
        return values
    padded = np.pad(values, 1, mode="edge")
    return np.asarray((padded[:-2] + padded[1:-1] + padded[2:]) / 3.0, dtype=np.float64)


def _px(points: Points, track: PoseTrack) -> Points:
    scaled = points.copy()
    scaled[:, :, 0] *= track.width
    scaled[:, :, 1] *= track.height
    return scaled


def _foot_y(px: Points, heel: int, ankle: int) -> Floats:
    return np.asarray((px[:, heel, 1] + px[:, ankle, 1]) / 2.0, dtype=np.float64)


# ------------------------------------------------------------------ the whole measurement


def measure(
    track: PoseTrack, guidance: VideoGuidance, played_seconds: float | None = None
) -> FormMeasure:
    """Everything a clip says about running form, or a `VideoError` saying why not;
    `guidance` is the knowledge base's thresholds (`kb.video`)."""
    if track.frames == 0 or track.fps <= 0:
        raise VideoError(Reason.UNREADABLE, "no frames")
    if (
        played_seconds is not None
        and track.declared_fps
        and track.cut_at_s is None
        and played_seconds > SLOW_MOTION_RATIO * track.seconds
    ):
        raise VideoError(
            Reason.SLOW_MOTION, f"plays {played_seconds:.1f} s, frames last {track.seconds:.1f} s"
        )
    found = detected(track.points)
    if found.mean() < MIN_DETECTED_SHARE:
        raise VideoError(Reason.NO_PERSON, f"found in {found.mean():.0%} of frames")
    points = bridge_gaps(track.points, max(1, round(MAX_GAP_S * track.fps)))
    points = undo_swaps(points)
    found = detected(points)
    px = _px(points, track)
    body = np.nanmedian(
        np.nanmax(px[found][:, [LEFT_HEEL, RIGHT_HEEL, LEFT_FOOT, RIGHT_FOOT], 1], axis=1)
        - px[found][:, NOSE, 1]
    )
    if body < guidance.runner_size.min_height_share * NOSE_TO_HEEL * track.height:
        raise VideoError(Reason.TOO_SMALL, f"nose to heel {body / track.height:.0%} of height")
    key = [NOSE, LEFT_HIP, RIGHT_HIP, LEFT_ANKLE, RIGHT_ANKLE, LEFT_HEEL, RIGHT_HEEL]
    xy = points[:, key, :2]
    inside = found & np.all((xy >= -FRAME_MARGIN) & (xy <= 1 + FRAME_MARGIN), axis=(1, 2))
    if inside.mean() < MIN_IN_FRAME_SHARE:
        raise VideoError(Reason.LEFT_FRAME, f"whole in {inside.mean():.0%} of frames")

    contacts, standing = _contacts(px, found, track.fps, float(body))
    cadence, steps = _cadence(contacts, found, track.fps, guidance)
    view = _view(px, found)
    overstride = _overstride(px, contacts) if view is View.SIDE else None
    middle = contacts[len(contacts) // 2]
    still, angle, side = middle.frame, 0.0, middle.side
    pelvic, missing, typical, level = _pelvic(px, contacts, standing, view, guidance)
    if typical is not None:
        still, angle, side = typical
    if overstride is not None:
        still, angle, side = _side_still(px, contacts, overstride)
    return FormMeasure(
        view=view,
        seconds=round(track.seconds, 2),
        steps=steps,
        cadence_spm=cadence,
        overstride=overstride,
        pelvic_drop=pelvic,
        pelvic_missing=missing,
        still_frame=still,
        still_angle=angle,
        still_side=side,
        level_deg=level,
        cut_at_s=track.cut_at_s,
    )


def _contacts(
    px: Points, found: Bools, fps: float, body: float
) -> tuple[list[Contact], list[tuple[int, int]]]:
    """Foot contacts while running, in time order, and the standing stretches."""
    window = max(3, round(GROUND_WINDOW_S * fps))
    floor = GROUND_FLOOR * body
    contacts: list[Contact] = []
    standing: list[tuple[int, int]] = []
    for start, end in segments(found):
        part = px[start:end]
        grounds = {
            side: on_ground(_smooth(_foot_y(part, heel, ankle)), window, floor)
            for side, heel, ankle in (
                ("left", LEFT_HEEL, LEFT_ANKLE),
                ("right", RIGHT_HEEL, RIGHT_ANKLE),
            )
        }
        both = grounds["left"] & grounds["right"]
        gap = round(MERGE_GAP_S * fps)
        shortest = round(STANDING_MIN_S * fps)
        still = [(a, b) for a, b in _merged(segments(both), gap) if b - a >= shortest]
        standing.extend((start + a, start + b) for a, b in still)
        for side, ground in grounds.items():
            for a, b in _merged(segments(ground), gap):
                if a == 0 or any(s <= a < e for s, e in still):
                    continue  # began before the clip or the stretch did, or is standing
                contacts.append(Contact(start + a, side, start + b))
    contacts.sort(key=lambda c: c.frame)
    return contacts, standing


def _merged(runs: list[tuple[int, int]], gap: int) -> list[tuple[int, int]]:
    """Runs closer than `gap` frames joined: a jittery foot leaving the ground for a frame
    mid-stance is one stance, not two (a real swing lasts far longer)."""
    joined: list[tuple[int, int]] = []
    for start, end in runs:
        if joined and start - joined[-1][1] <= gap:
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def _cadence(
    contacts: list[Contact], found: Bools, fps: float, guidance: VideoGuidance
) -> tuple[float, int]:
    """Steps per minute over the gaps between contacts of one stretch, and contacts counted."""
    if len(contacts) < 4:
        raise VideoError(Reason.TOO_SHORT, f"{len(contacts)} foot contacts")
    step_times: list[float] = []
    steps = 0
    seconds = 0.0
    for before, after in zip(contacts[:-1], contacts[1:], strict=True):
        if not found[before.frame : after.frame + 1].all():
            continue  # a long gap between them: no step counted across it
        between = (after.frame - before.frame) / fps
        count = 1 if before.side != after.side else 2  # one contact of the other foot missed
        steps += count
        seconds += between
        step_times.append(between / count)
    if seconds <= 0 or not step_times:
        raise VideoError(Reason.TOO_SHORT, "no steps in one stretch")
    cadence = 60.0 * steps / seconds
    running = guidance.running
    if cadence < running.min_spm:
        raise VideoError(Reason.SLOW_MOTION, f"{cadence:.0f} steps/min")
    if len(contacts) < running.min_steps:
        raise VideoError(Reason.TOO_SHORT, f"{len(contacts)} foot contacts")
    if cadence > running.max_spm:
        raise VideoError(Reason.UNCLEAR, f"{cadence:.0f} steps/min")
    spread = statistics.pstdev(step_times) / statistics.fmean(step_times)
    if spread > MAX_STEP_CV:
        raise VideoError(Reason.UNCLEAR, f"step times vary {spread:.0%}")
    return cadence, len(contacts)


def _view(px: Points, found: Bools) -> View:
    rows = px[found]
    hips = np.abs(rows[:, RIGHT_HIP, 0] - rows[:, LEFT_HIP, 0])
    shoulders = (rows[:, LEFT_SHOULDER, :2] + rows[:, RIGHT_SHOULDER, :2]) / 2
    pelvis = (rows[:, LEFT_HIP, :2] + rows[:, RIGHT_HIP, :2]) / 2
    torso = np.linalg.norm(shoulders - pelvis, axis=1)
    ratio = float(np.median(hips / np.maximum(torso, 1e-9)))
    if ratio >= REAR_RATIO:
        return View.REAR
    if ratio <= SIDE_RATIO:
        return View.SIDE
    return View.UNCLEAR


def _direction(px: Points, contacts: list[Contact]) -> float:
    """+1 when the runner faces right in the image: toes point ahead of the heels."""
    frames = [c.frame for c in contacts]
    toes = np.concatenate(
        [px[frames, LEFT_FOOT, 0] - px[frames, LEFT_HEEL, 0]]
        + [px[frames, RIGHT_FOOT, 0] - px[frames, RIGHT_HEEL, 0]]
    )
    return 1.0 if float(np.median(toes)) >= 0 else -1.0


def _leg_length(px: Points, frame: int, side: str) -> float:
    left = (LEFT_HIP, LEFT_KNEE, LEFT_ANKLE)
    hip, knee, ankle = left if side == "left" else (RIGHT_HIP, RIGHT_KNEE, RIGHT_ANKLE)
    row = px[frame, :, :2]
    return float(np.linalg.norm(row[hip] - row[knee]) + np.linalg.norm(row[knee] - row[ankle]))


def _contact_form(px: Points, contact: Contact, ahead: float, leg: float) -> tuple[float, float]:
    """(heel ahead of the hip in leg lengths, shin angle in degrees) at one contact."""
    heel, knee, ankle = (
        (LEFT_HEEL, LEFT_KNEE, LEFT_ANKLE)
        if contact.side == "left"
        else (RIGHT_HEEL, RIGHT_KNEE, RIGHT_ANKLE)
    )
    row = px[contact.frame]
    hip_x = (row[LEFT_HIP, 0] + row[RIGHT_HIP, 0]) / 2
    reach = ahead * (row[heel, 0] - hip_x) / leg
    shin = math.degrees(
        math.atan2(ahead * (row[ankle, 0] - row[knee, 0]), row[ankle, 1] - row[knee, 1])
    )
    return float(reach), shin


def _forms(px: Points, contacts: list[Contact]) -> list[tuple[Contact, float, float]]:
    """(contact, reach in leg lengths, shin angle) of every contact; the leg is the median
    hip-knee-ankle length over the clip, so one bent frame does not change the unit."""
    ahead = _direction(px, contacts)
    found = np.flatnonzero(~np.isnan(px[:, :, :2]).any(axis=(1, 2)))
    legs = [_leg_length(px, int(i), side) for i in found for side in ("left", "right")]
    leg = float(np.median(legs))
    return [(c, *_contact_form(px, c, ahead, leg)) for c in contacts]


def _overstride(px: Points, contacts: list[Contact]) -> Overstride:
    forms = _forms(px, contacts)
    return Overstride(Spread.of([f[1] for f in forms]), Spread.of([f[2] for f in forms]))


def _side_still(
    px: Points, contacts: list[Contact], overstride: Overstride
) -> tuple[int, float, str]:
    """The contact whose reach is closest to the clip's mean, with its shin angle."""
    best = min(_forms(px, contacts), key=lambda f: abs(f[1] - overstride.leg_lengths.mean))
    return best[0].frame, best[2], best[0].side


def pelvic_tilt(px: Points) -> Floats:
    """Degrees the pelvis leans, positive when the right hip is lower in the image.

    From behind the athlete's right hip is on the image's right, from in front on
    its left: the sign follows the labels, not the image, so both views agree.
    """
    dy = px[:, RIGHT_HIP, 1] - px[:, LEFT_HIP, 1]
    dx = np.abs(px[:, RIGHT_HIP, 0] - px[:, LEFT_HIP, 0])
    return np.asarray(np.degrees(np.arctan2(dy, dx)), dtype=np.float64)


def _pelvic(
    px: Points,
    contacts: list[Contact],
    standing: list[tuple[int, int]],
    view: View,
    guidance: VideoGuidance,
) -> tuple[PelvicDrop | None, PelvicMissing | None, tuple[int, float, str] | None, float]:
    """Peak drop of the swing side's hip in each stance, relative to standing."""
    if view is not View.REAR:
        return None, PelvicMissing.NOT_REAR, None, 0.0
    if not standing:
        return None, PelvicMissing.NO_BASELINE, None, 0.0
    tilt = pelvic_tilt(px)
    a, b = standing[0]
    trim = (b - a) // 8  # the settling in and the first push-off are not standing still
    level = float(np.nanmedian(tilt[a + trim : b - trim]))
    smooth = _smooth(tilt - level)
    drops: dict[str, list[tuple[float, int]]] = {"left": [], "right": []}
    for contact in contacts:
        # Standing on the left leg, the right hip drops: the tilt grows; on the right, it falls.
        sign = 1.0 if contact.side == "left" else -1.0
        stance = sign * smooth[contact.frame : max(contact.end, contact.frame + 1)]
        if np.isnan(stance).all():
            continue
        peak = int(np.nanargmax(stance))
        drops[contact.side].append((float(stance[peak]), contact.frame + peak))
    if min(len(drops["left"]), len(drops["right"])) < guidance.pelvic_strides.per_leg:
        return None, PelvicMissing.TOO_FEW, None, level
    left = Spread.of([d for d, _ in drops["left"]])
    right = Spread.of([d for d, _ in drops["right"]])
    difference = left.mean - right.mean
    pairs = list(zip(drops["left"], drops["right"], strict=False))
    agreeing = sum(1 for (a, _), (b, _) in pairs if (a - b) * difference > 0)
    more_on = None
    flag = guidance.pelvic_difference
    if abs(difference) > flag.degrees and agreeing >= flag.consistent_share * len(pairs):
        more_on = "left" if difference > 0 else "right"
    side = more_on or ("left" if left.mean >= right.mean else "right")
    mean = left.mean if side == "left" else right.mean
    drop, frame = min(drops[side], key=lambda d: abs(d[0] - mean))
    return PelvicDrop(left, right, more_on), None, (frame, drop, side), level
