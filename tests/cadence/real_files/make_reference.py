"""Write `reference.json`: figures for the real files, computed without our readers.

Not part of the test run. FIT files are decoded with Garmin's own FIT SDK
(`garmin-fit-sdk`), GPX with gpxpy, in a virtualenv of their own:

    python -m venv /tmp/ref && /tmp/ref/bin/pip install garmin-fit-sdk gpxpy
    /tmp/ref/bin/python tests/cadence/real_files/make_reference.py

For each FIT file two sets of figures are kept:

- `device`: the watch's own session summary (timer time, distance, average
  cadence as steps/min = 2 × (cadence + fractional cadence)). It counts
  standing and walking too, so it is compared with wide tolerances.
- `moving`: recomputed here from the SDK's raw records with the rules the
  bot states (an interval of at most 30 s moving at 1 m/s or more, less a
  millimetre a second for rounding, is running unless it is walking: under
  135 steps/min below 2 m/s; records of one second merged; cadence of the
  record closing the interval; time-weighted), written independently of
  `coaching.cadence`. Compared with tight tolerances.

`cut_in_half` is the same, for the file's first half of bytes as the SDK
reads it (it keeps the records before the cut).
"""

from __future__ import annotations

import importlib
import json
import statistics
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
FIT_FILES = (
    "treadmill_12km.FIT",
    "outdoor_half_marathon.FIT",
    "garmin-fenix-5-run.fit",
    "garmin-edge-820-bike.fit",
    "Zwift_Zwift_Fast_Fridays_Bologna_Time_Trial_E_.fit",
)
GPX_FILES = ("korita-zbevnica.gpx", "cerknicko-jezero.gpx", "unicode_with_bom.gpx")


def _decode(data: bytes) -> tuple[dict[str, Any], list[str]]:
    sdk: Any = importlib.import_module("garmin_fit_sdk")
    decoder = sdk.Decoder(sdk.Stream.from_byte_array(bytearray(data)))
    messages, errors = decoder.read(convert_datetimes_to_dates=False)
    return messages, [type(error).__name__ for error in errors]


def _merged(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_time: dict[int, dict[str, Any]] = {}
    for record in records:
        if "timestamp" not in record:
            continue
        kept = by_time.setdefault(record["timestamp"], {})
        for key, value in record.items():
            kept.setdefault(key, value)
    return [by_time[t] for t in sorted(by_time)]


def _spm(record: dict[str, Any]) -> float | None:
    cadence = record.get("cadence")
    if not cadence:
        return None
    return 2.0 * (float(cadence) + float(record.get("fractional_cadence") or 0.0))


def _moving(records: list[dict[str, Any]]) -> dict[str, float | None]:
    seconds = metres = cadence_s = cadence_sum = 0.0
    distance_seen = False
    merged = _merged(records)
    for before, after in zip(merged, merged[1:], strict=False):
        dt = after["timestamp"] - before["timestamp"]
        if not 0 < dt <= 30:
            continue
        delta: float | None = None
        if before.get("distance") is not None and after.get("distance") is not None:
            delta = max(0.0, after["distance"] - before["distance"])
            speed = delta / dt
        else:
            speed = after.get("enhanced_speed", after.get("speed"))
        spm = _spm(after)
        if speed is None and spm is None:
            continue
        if speed is not None and speed < 1.0 - 0.001:  # rounding of positions and decimals
            continue
        if spm is not None and spm < 135 and (speed is None or speed < 2.0):
            continue  # walking
        seconds += dt
        if delta is not None:
            metres += delta
            distance_seen = True
        if spm is not None:
            cadence_s += dt
            cadence_sum += spm * dt
    return {
        "duration_s": seconds,
        "distance_m": round(metres, 2) if distance_seen else None,
        "avg_cadence_spm": round(cadence_sum / cadence_s, 3) if cadence_s else None,
    }


def _device(messages: dict[str, Any]) -> dict[str, Any]:
    session = (messages.get("session_mesgs") or [{}])[0]
    cadence = session.get("avg_running_cadence", session.get("avg_cadence"))
    fraction = session.get("avg_fractional_cadence") or 0.0
    return {
        "sport": session.get("sport"),
        "sub_sport": session.get("sub_sport"),
        "total_timer_time_s": session.get("total_timer_time"),
        "total_distance_m": session.get("total_distance"),
        "avg_cadence_spm": None if cadence is None else 2.0 * (cadence + fraction),
    }


def fit_reference(name: str) -> dict[str, Any]:
    data = (HERE / name).read_bytes()
    messages, errors = _decode(data)
    half, half_errors = _decode(data[: len(data) // 2])
    half_records = half.get("record_mesgs", [])
    return {
        "decoder": "garmin-fit-sdk",
        "errors": errors,
        "records": len(messages.get("record_mesgs", [])),
        "device": _device(messages),
        "moving": _moving(messages.get("record_mesgs", [])),
        "cut_in_half": {
            "bytes": len(data) // 2,
            "errors": half_errors,
            "records": len(half_records),
            "moving": _moving(half_records),
        },
    }


def gpx_reference(name: str) -> dict[str, Any]:
    gpxpy: Any = importlib.import_module("gpxpy")
    with (HERE / name).open(encoding="utf-8-sig") as file:
        gpx = gpxpy.parse(file)
    points = [p for track in gpx.tracks for s in track.segments for p in s.points if p.time]
    points.sort(key=lambda p: p.time)
    speeds = []
    for before, after in zip(points, points[1:], strict=False):
        seconds = (after.time - before.time).total_seconds()
        if 0 < seconds <= 30:
            speed = after.distance_2d(before) / seconds
            if speed >= 1.0:
                speeds.extend([speed] * round(seconds))
    moving = gpx.get_moving_data()
    return {
        "parser": "gpxpy",
        "track_types": [track.type for track in gpx.tracks],
        "points_with_time": len(points),
        "length_2d_m": round(gpx.length_2d(), 1),
        "moving_time_s": moving.moving_time,
        "median_moving_speed_mps": round(statistics.median(speeds), 3) if speeds else None,
    }


def main() -> None:
    reference = {
        "fit": {name: fit_reference(name) for name in FIT_FILES},
        "gpx": {name: gpx_reference(name) for name in GPX_FILES},
    }
    (HERE / "reference.json").write_text(json.dumps(reference, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
