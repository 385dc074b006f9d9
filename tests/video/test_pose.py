"""The pose model shipped in the mediapipe wheel loads and runs offline, in the video worker.

Few and small on purpose: building the model and running it costs seconds of CPU.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mediapipe", reason="the video extra is not installed")
pytest.importorskip("cv2", reason="the video extra is not installed")

from coaching.video import Reason, VideoError, VideoQueue, analyse_video  # noqa: E402
from coaching.video.pose import extract  # noqa: E402
from coaching.video.track import NOSE  # noqa: E402
from knowledge import KnowledgeBase  # noqa: E402
from tests.video.clips import empty_room, framed, portrait, write_clip  # noqa: E402
from tests.video.synthetic import GUIDANCE  # noqa: E402


def test_a_real_photograph_of_a_person_is_found_in_every_frame(tmp_path: Path) -> None:
    photo = portrait()
    clip = write_clip(tmp_path / "hopper.mp4", [framed(photo, 640, 360, s) for s in range(10)])
    progress = tmp_path / "progress"
    track = extract(str(clip), str(progress))
    assert track.frames == 10 and track.fps == pytest.approx(30.0)
    assert not np.isnan(track.points[:, NOSE, :2]).any()
    # Her nose is in the middle of the picture, in the upper half.
    assert 0.4 < float(np.median(track.points[:, NOSE, 0])) < 0.6
    assert 0.2 < float(np.median(track.points[:, NOSE, 1])) < 0.5
    assert progress.read_text() == "10 10"
    assert len(track.frames_jpeg) == 10


async def test_no_one_in_the_picture_through_the_worker(tmp_path: Path, kb: KnowledgeBase) -> None:
    clip = write_clip(tmp_path / "room.mp4", [empty_room()] * 15)
    queue = VideoQueue(preload=("coaching.video.warm",))
    try:
        assert queue.join(1) == 0
        with pytest.raises(VideoError) as caught:
            await queue.run(1, analyse_video, str(clip), GUIDANCE, None, None)
        assert caught.value.reason is Reason.NO_PERSON
        assert queue.ahead() == 0
        said = kb.ui_text(f"video_error_{caught.value.reason.value}", "en")
        assert said.startswith("I couldn't see a runner")
    finally:
        queue.close()


def test_a_file_that_is_not_a_video_is_unreadable(tmp_path: Path) -> None:
    junk = tmp_path / "clip.mp4"
    junk.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 20)
    with pytest.raises(VideoError) as caught:
        extract(str(junk))
    assert caught.value.reason is Reason.UNREADABLE


def test_a_fast_clip_is_thinned_and_a_long_one_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coaching.video import pose

    monkeypatch.setattr(pose, "MAX_SECONDS", 0.3)
    clip = write_clip(tmp_path / "fast.mp4", [empty_room(320, 180)] * 30, fps=60.0)
    track = extract(str(clip))
    assert track.fps == pytest.approx(30.0)
    assert track.frames == 9, "0.3 s of a 60 fps clip, every second frame"
    assert track.cut_at_s == pytest.approx(0.3)
    assert (track.width, track.height) == (320, 180)
