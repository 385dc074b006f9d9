"""A 10 s 1080p clip through pose estimation: frames per second and end-to-end seconds.

No footage of someone running was found in a package, so the clip is a real photograph
of a person (Grace Hopper, matplotlib's sample data) moving across a 1080×1920
portrait frame for 10 s at 30 frames/s, written by OpenCV (`tests/video/clips.py`).
MediaPipe finds and tracks her in every frame, which is the work a real clip
costs; the measurement then refuses it (she is not running), which costs
nothing next to the pose. Timed:

- decoding alone (OpenCV reading and shrinking every frame);
- pose in this process (`coaching.video.pose.extract`: decode, shrink, pose, keep a
  small JPEG of each frame), in frames per second of clip;
- end to end through the bot's video worker, warm (the model already loaded): from
  handing over the saved clip to the answer, as the athlete waits after download;
- the worker's cold start (process, imports, model) that `hipcoach run` pays at start;
- the measurement and the annotated still on a synthetic 10 s runner (`result_of`).

    python bench/bench_video.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import median, stamp, write_section  # noqa: E402
from coaching.video import VideoError, VideoQueue, analyse_video, result_of  # noqa: E402
from coaching.video.pose import MAX_SIDE, extract  # noqa: E402
from tests.video.clips import framed, portrait, write_clip  # noqa: E402
from tests.video.synthetic import GUIDANCE, Runner  # noqa: E402

WIDTH, HEIGHT, FPS, SECONDS = 1080, 1920, 30.0, 10


def make_clip(folder: Path) -> Path:
    photo = portrait()
    frames = round(FPS * SECONDS)
    moving = (framed(photo, WIDTH, HEIGHT // 2, shift=(i * 4) - 200) for i in range(frames))
    tall = (_stack(frame) for frame in moving)
    return write_clip(folder / "clip.mp4", tall, FPS)


def _stack(frame: np.ndarray) -> np.ndarray:
    """The moving photograph on the upper half, a plain floor below."""
    return np.concatenate([frame, np.full_like(frame, 90)])


def _cpu() -> float:
    """CPU seconds of this process, all its threads (MediaPipe runs several)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def decode_only(path: Path) -> float:
    import cv2

    start = time.perf_counter()
    capture = cv2.VideoCapture(str(path))
    size: tuple[int, int] | None = None
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        if size is None:
            height, width = frame.shape[:2]
            shrink = MAX_SIDE / max(height, width)
            size = (round(width * shrink), round(height * shrink))
        cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    capture.release()
    return time.perf_counter() - start


async def through_worker(path: Path, rounds: int) -> tuple[float, list[float]]:
    queue = VideoQueue(preload=("coaching.video.warm",))
    try:
        start = time.perf_counter()
        await queue.warm()
        cold = time.perf_counter() - start
        times = []
        for _ in range(rounds):
            queue.join("bench")
            start = time.perf_counter()
            try:
                await queue.run("bench", analyse_video, str(path), GUIDANCE, float(SECONDS), None)
            except VideoError:
                pass  # not a runner: refused after the pose, as expected
            times.append(time.perf_counter() - start)
        return cold, times
    finally:
        queue.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        clip = make_clip(Path(folder))
        size_mib = clip.stat().st_size / 1024 / 1024
        decode = median([decode_only(clip) for _ in range(args.rounds)])
        pose_times, pose_cpu = [], []
        frames = found = 0
        for _ in range(args.rounds):
            start, cpu = time.perf_counter(), _cpu()
            track = extract(str(clip))
            pose_times.append(time.perf_counter() - start)
            pose_cpu.append(_cpu() - cpu)
            frames = track.frames
            found = int((~np.isnan(track.points[:, 0, 0])).sum())
        pose, cpu_s = median(pose_times), median(pose_cpu)
        cold, worker = asyncio.run(through_worker(clip, args.rounds))
    synthetic = Runner(seconds=SECONDS).track()
    start = time.perf_counter()
    for _ in range(args.rounds):
        result_of(synthetic, GUIDANCE)
    measure_s = (time.perf_counter() - start) / args.rounds

    end_to_end = median(worker)
    rows = [
        ("decoding and shrinking alone", f"{decode:.2f} s", f"{frames / decode:.0f}"),
        (
            "pose estimation, this process (decode, shrink, pose, keep a small JPEG)",
            f"{pose:.2f} s ({cpu_s:.2f} s CPU)",
            f"{frames / pose:.1f} ({frames / cpu_s:.1f} a CPU second)",
        ),
        (
            "end to end through the warm video worker (saved clip → answer)",
            f"{end_to_end:.2f} s",
            f"{frames / end_to_end:.1f}",
        ),
        ("the worker's cold start (process, MediaPipe, model), once", f"{cold:.2f} s", "—"),
        ("measurement and still, synthetic 10 s runner", f"{measure_s * 1e3:.0f} ms", "—"),
    ]
    table = "\n".join(
        ["| step | wall | frames/s of clip |", "|---|---|---|"]
        + [f"| {a} | {b} | {c} |" for a, b, c in rows]
    )
    met = "met" if end_to_end < 15 else "not met"
    verdict = (
        f"Aim: a 10 s clip answered in under 15 s on this machine: {met} on this run "
        f"({end_to_end:.1f} s wall, plus the download from Telegram, not timed here). The pose "
        f"pass needs {cpu_s:.1f} s of CPU, so on an otherwise idle core it takes about that long. "
        "A 30 s clip (the most analysed) takes about three times as long."
    )
    body = f"""
## 7. Running-form video: a 10 s 1080p clip

{stamp()}

`python bench/bench_video.py --rounds {args.rounds}`: a {WIDTH}×{HEIGHT} clip, {SECONDS} s at
{FPS:g} frames/s ({size_mib:.1f} MiB, MPEG-4), of a real photograph of a person moving across the
frame (no footage of someone running was at hand; MediaPipe found her in {found} of {frames}
frames). Frames are shrunk to {MAX_SIDE} pixels on the longer side before pose estimation.
Medians of {args.rounds} runs; the load average was {load:.1f} on {os.cpu_count()} cores as it
began and {os.getloadavg()[0]:.1f} as it ended: wall time above the CPU time is waiting for
a core.

{table}

{verdict}
"""
    write_section("video", body)
    print(body)


if __name__ == "__main__":
    main()
