"""The measurement on synthetic runners whose cadence, contacts, reach and drop are known."""

from __future__ import annotations

import numpy as np
import pytest

from coaching.video import PelvicMissing, Reason, VideoError, View, measure
from coaching.video.measure import detected, undo_swaps
from coaching.video.track import LEFT_HIP, PoseTrack
from tests.video.synthetic import GUIDANCE, Runner, drop_frames, swap_legs


def refusal(track: PoseTrack, played: float | None = None) -> Reason:
    with pytest.raises(VideoError) as caught:
        measure(track, GUIDANCE, played)
    return caught.value.reason


@pytest.mark.parametrize(("cadence", "fps"), [(160.0, 30.0), (172.0, 30.0), (186.0, 60.0)])
def test_cadence_and_step_count_from_the_side(cadence: float, fps: float) -> None:
    runner = Runner(cadence_spm=cadence, fps=fps)
    form = measure(runner.track(), GUIDANCE)
    assert form.view is View.SIDE
    assert form.cadence_spm == pytest.approx(cadence, abs=2.0)
    # A landing in the clip's last frame may be seen a frame early or not at all.
    assert abs(form.steps - len(runner.contacts)) <= 1


def test_contacts_are_found_where_the_feet_land() -> None:
    from coaching.video.measure import _contacts, _px  # the contact list itself

    runner = Runner(fps=60.0)
    track = runner.track()
    found = detected(track.points)
    contacts, _ = _contacts(_px(track.points, track), found, track.fps, 0.75 * track.height)
    assert len(contacts) == len(runner.contacts)
    for contact, (time, side) in zip(contacts, runner.contacts, strict=True):
        assert contact.side == side
        assert contact.frame / track.fps == pytest.approx(time, abs=2.5 / track.fps)


@pytest.mark.parametrize("facing", [1.0, -1.0])
def test_overstride_in_leg_lengths_and_shin_angle(facing: float) -> None:
    runner = Runner(reach=0.25, facing=facing, fps=60.0)
    form = measure(runner.track(), GUIDANCE)
    assert form.overstride is not None
    assert form.overstride.leg_lengths.mean == pytest.approx(0.25, abs=0.02)
    # The contact is seen within a frame or so of the landing, while the shin still turns:
    # a few degrees either way (docs/video.md).
    assert form.overstride.shin_deg.mean == pytest.approx(runner.shin_at_contact(), abs=7.0)
    assert form.pelvic_drop is None and form.pelvic_missing is PelvicMissing.NOT_REAR


def test_a_shorter_reach_measures_shorter() -> None:
    near = measure(Runner(reach=0.1).track(), GUIDANCE).overstride
    far = measure(Runner(reach=0.35).track(), GUIDANCE).overstride
    assert near is not None and far is not None
    assert far.leg_lengths.mean - near.leg_lengths.mean == pytest.approx(0.25, abs=0.04)
    assert far.shin_deg.mean > near.shin_deg.mean + 10


def test_pelvic_drop_per_side_from_behind() -> None:
    runner = Runner(view="rear", standing_s=2.0, seconds=12.0, drop_left=7.0, drop_right=3.0)
    form = measure(runner.track(), GUIDANCE)
    assert form.view is View.REAR
    drop = form.pelvic_drop
    assert drop is not None
    assert drop.left.mean == pytest.approx(7.0, abs=1.0)
    assert drop.right.mean == pytest.approx(3.0, abs=1.0)
    assert drop.left.n >= 10 and drop.right.n >= 10
    assert drop.more_on == "left"
    assert form.overstride is None


@pytest.mark.parametrize("tilt", [-6.0, 5.0])
def test_camera_tilt_is_removed_by_the_standing_reference(tilt: float) -> None:
    level = measure(Runner(view="rear", standing_s=2.0, seconds=12.0).track(), GUIDANCE).pelvic_drop
    tilted = measure(Runner(view="rear", standing_s=2.0, seconds=12.0, tilt=tilt).track(), GUIDANCE)
    assert level is not None and tilted.pelvic_drop is not None
    assert tilted.pelvic_drop.left.mean == pytest.approx(level.left.mean, abs=0.3)
    assert tilted.pelvic_drop.right.mean == pytest.approx(level.right.mean, abs=0.3)


def test_an_even_pelvis_is_not_flagged_nor_a_small_difference() -> None:
    even = measure(Runner(view="rear", standing_s=2.0, seconds=12.0).track(), GUIDANCE).pelvic_drop
    small = Runner(view="rear", standing_s=2.0, seconds=12.0, drop_left=6.0, drop_right=4.0)
    slight = measure(small.track(), GUIDANCE).pelvic_drop
    assert even is not None and even.more_on is None
    assert slight is not None and slight.more_on is None


def test_an_inconsistent_difference_is_not_flagged() -> None:
    noisy = Runner(
        view="rear", standing_s=2.0, seconds=12.0, drop_left=7.0, drop_right=3.0, drop_swing=6.0
    )
    drop = measure(noisy.track(), GUIDANCE).pelvic_drop
    assert drop is not None
    assert drop.left.mean - drop.right.mean > 3
    assert drop.more_on is None


def test_no_standing_moment_no_pelvic_drop_but_a_cadence() -> None:
    form = measure(Runner(view="rear", standing_s=0.0).track(), GUIDANCE)
    assert form.pelvic_drop is None
    assert form.pelvic_missing is PelvicMissing.NO_BASELINE
    assert form.cadence_spm == pytest.approx(170, abs=2)


def test_too_few_stances_for_pelvic_drop() -> None:
    form = measure(Runner(view="rear", standing_s=2.0, seconds=7.0).track(), GUIDANCE)
    assert form.pelvic_missing is PelvicMissing.TOO_FEW


def test_left_right_label_swaps_are_undone() -> None:
    runner = Runner(view="rear", standing_s=2.0, seconds=12.0, drop_left=7.0, drop_right=3.0)
    track = runner.track()
    swapped = [100, 101, 102, 180, 250, 251, 300]
    mixed = PoseTrack(
        track.fps, track.width, track.height, swap_legs(track.points, swapped), track.fps
    )
    assert np.allclose(undo_swaps(mixed.points), track.points)
    form = measure(mixed, GUIDANCE)
    assert form.pelvic_drop is not None and form.pelvic_drop.more_on == "left"
    assert abs(form.steps - len(runner.contacts)) <= 1


def test_missing_frames_are_bridged_and_long_gaps_split() -> None:
    runner = Runner(seconds=14.0)
    track = runner.track()
    short = [40, 41, 97, 150, 151, 152]
    long_gap = list(range(200, 230))
    holed = PoseTrack(
        track.fps,
        track.width,
        track.height,
        drop_frames(track.points, short + long_gap),
        track.fps,
    )
    form = measure(holed, GUIDANCE)
    assert form.cadence_spm == pytest.approx(170, abs=2.5)
    lost = sum(1 for time, _ in runner.contacts if 200 / 30 - 0.3 <= time <= 230 / 30 + 0.3)
    assert len(runner.contacts) - lost - 2 <= form.steps <= len(runner.contacts)


def test_slow_motion_by_stride_frequency() -> None:
    # A 170 steps/min runner filmed at 4x slow motion and played at 30 frames/s.
    slow = Runner(cadence_spm=170 / 4, seconds=30.0)
    assert refusal(slow.track()) is Reason.SLOW_MOTION


def test_slow_motion_by_playing_time() -> None:
    track = Runner(seconds=10.0).track()
    assert refusal(track, played=40.0) is Reason.SLOW_MOTION
    assert measure(track, GUIDANCE, 10.0).steps > 0


def test_too_short() -> None:
    assert refusal(Runner(seconds=3.0).track()) is Reason.TOO_SHORT


def test_runner_too_small() -> None:
    assert refusal(Runner(body_share=0.3).track()) is Reason.TOO_SMALL


def test_runner_leaving_the_frame() -> None:
    track = Runner().track()
    points = track.points.copy()
    points[150:, :, 0] += 0.8  # ran out of the picture to the right
    assert refusal(PoseTrack(30.0, 1080, 1920, points, 30.0)) is Reason.LEFT_FRAME


def test_no_person() -> None:
    points = np.full((300, 33, 3), np.nan)
    assert refusal(PoseTrack(30.0, 1080, 1920, points, 30.0)) is Reason.NO_PERSON


def test_pelvic_tilt_sign_follows_the_labels() -> None:
    """Right hip lower in the picture: positive, from behind and from in front alike."""
    from coaching.video.measure import pelvic_tilt

    points = np.zeros((1, 33, 3))
    points[0, LEFT_HIP, :2] = (0.4, 0.50)
    points[0, LEFT_HIP + 1, :2] = (0.6, 0.52)
    behind = pelvic_tilt(points)
    points[0, LEFT_HIP, 0], points[0, LEFT_HIP + 1, 0] = 0.6, 0.4
    front = pelvic_tilt(points)
    assert behind[0] > 0 and front[0] == pytest.approx(behind[0])


def test_the_standing_level_is_kept_for_the_still() -> None:
    tilted = measure(Runner(view="rear", standing_s=2.0, seconds=12.0, tilt=5.0).track(), GUIDANCE)
    assert tilted.level_deg == pytest.approx(5.0, abs=0.5)
    assert measure(Runner().track(), GUIDANCE).level_deg == 0.0


@pytest.mark.parametrize("view", ["side", "rear"])
def test_landmark_jitter_does_not_add_or_lose_steps(view: str) -> None:
    """Jitter of 0.6 % of the frame on every landmark, every frame (about 12 pixels on 1920)."""
    runner = Runner(view=view, standing_s=2.0, seconds=12.0, noise=0.006)
    form = measure(runner.track(), GUIDANCE)
    assert form.steps == len(runner.contacts)
    assert form.cadence_spm == pytest.approx(170, abs=1.5)
    if view == "rear":
        assert form.pelvic_drop is not None, "the standing reference is still found"
