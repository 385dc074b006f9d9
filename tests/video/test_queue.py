"""The video line: one clip per athlete, places in order, the line left whatever happens."""

from __future__ import annotations

import pytest

from coaching.video import Busy, VideoQueue


def fails(message: str) -> None:
    raise ValueError(message)


async def test_places_in_line_and_one_clip_per_athlete() -> None:
    queue = VideoQueue()
    try:
        assert queue.join(1) == 0
        assert queue.join(2) == 1
        with pytest.raises(Busy):
            queue.join(1)
        assert queue.ahead() == 2
        assert await queue.run(1, abs, -3) == 3
        assert queue.ahead() == 1
        with pytest.raises(ValueError, match="bad clip"):
            await queue.run(2, fails, "bad clip")
        assert queue.ahead() == 0
        assert queue.join(1) == 0, "a finished athlete may send the next clip"
    finally:
        queue.close()


async def test_no_worker_is_started_without_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import coaching.video as video

    monkeypatch.setattr(video, "available", lambda: False)
    video.close_video_queue()
    await video.start_video_worker()
    assert video._queue is None, "nothing to start: the first clip is told the extra is missing"
