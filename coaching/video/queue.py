"""The one video worker of this instance, and the line of clips waiting for it.

Pose estimation takes most of a core for seconds per clip, so an instance
runs one clip at a time in one warm worker process (the model is loaded when
the worker starts, by `coaching.video.warm`), under CPU, memory and time limits
(the same `WorkerPool` as run files). Clips queue in arrival order; `ahead`
says how many are before a new one, so the athlete can be told. An athlete has
at most one clip in line: a second is refused (`Busy`) until the first is done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import ParamSpec, TypeVar

from coaching.cadence.worker import Limits, WorkerPool

P = ParamSpec("P")
T = TypeVar("T")

VIDEO_LIMITS = Limits(
    cpu_seconds=150,
    memory_bytes=1536 * 1024 * 1024,
    wall_seconds=240.0,
    start_seconds=120.0,
)
"""A 30 s clip at 30 frames/s is about 900 frames at 10–40 ms each, plus decoding a
1080p picture per frame; the analysed frames are kept as small JPEGs (tens of MB).
The wall clock allows for a busy machine, and the start for loading the model."""


class Busy(Exception):
    """The athlete already has a clip in line or being analysed."""


class VideoQueue:
    """One worker, clips one after another; see the module docstring."""

    def __init__(self, limits: Limits = VIDEO_LIMITS, preload: tuple[str, ...] = ()) -> None:
        self.pool = WorkerPool(1, limits, preload=preload, max_jobs_per_worker=200)
        self._lock = threading.Lock()
        self._in_line: list[Hashable] = []

    def ahead(self) -> int:
        """Clips in line or being analysed: how many a new clip would wait for."""
        with self._lock:
            return len(self._in_line)

    def join(self, key: Hashable) -> int:
        """Take a place in line for `key`; how many are ahead. Raises `Busy`."""
        with self._lock:
            if key in self._in_line:
                raise Busy(key)
            self._in_line.append(key)
            return len(self._in_line) - 1

    def leave(self, key: Hashable) -> None:
        with self._lock:
            if key in self._in_line:
                self._in_line.remove(key)

    async def run(self, key: Hashable, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args)` in the worker for `key`, who must have `join`ed; leaves the line after."""
        try:
            return await self.pool.run(fn, *args, **kwargs)
        finally:
            self.leave(key)

    async def warm(self) -> None:
        """Start the worker now (loading the model), instead of on the first clip."""
        await self.pool.run(_nothing)

    def close(self) -> None:
        self.pool.close()


def _nothing() -> None:
    """A job that only makes the worker start."""
