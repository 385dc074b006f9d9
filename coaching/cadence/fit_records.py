"""FIT records as watches really write them: duplicates per second, and clocks without a date.

Two things a decoder hands over that are not yet samples:

- Several records with the same timestamp. Suunto watches write two a second,
  one of them empty (or holding only a sensor the other lacks); read one by
  one, every interval between them is zero or lacks its distance, and most
  of the run vanishes. Records of one second are merged into one sample, each
  field taken from the first record that has it.
- Timestamps relative to power-on. The FIT profile says a `date_time` below
  0x10000000 is "system time", seconds since the device started, and decoders
  leave it a number. Older watches write every record so. The records still
  measure the run exactly; only the date needs an anchor: a
  `timestamp_correlation` message (system time ↔ UTC) when the file has one,
  else an absolute start time or file creation time, taken as the first
  record's moment. With no anchor at all the run is placed at the FIT epoch
  and `Clock.known` is False, so nobody is shown a date from 1989.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from coaching.cadence.samples import Sample

FIT_EPOCH = dt.datetime(1989, 12, 31, tzinfo=dt.UTC)
RELATIVE_BELOW = 0x10000000
"""FIT: a date_time under this is seconds since power-on, not since the FIT epoch."""

Moment = dt.datetime | int
"""A FIT timestamp as decoded: UTC, or seconds since the device was switched on."""


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One `record` message's fields we use, its time not yet placed."""

    moment: Moment
    cadence_raw: float | None = None
    distance_m: float | None = None
    speed_mps: float | None = None


def relative_seconds(value: object) -> int | None:
    """A FIT date_time left as a number because it counts from power-on; None otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value < RELATIVE_BELOW else None


class Clock:
    """Collects what places relative times on the calendar, then places them."""

    def __init__(self) -> None:
        self.correlation: dt.datetime | None = None
        """System time 0 in UTC, from a `timestamp_correlation` message."""
        self.absolute_start: dt.datetime | None = None
        """An absolute start (session start, file creation) to pin the first record to."""
        self.zero: dt.datetime = FIT_EPOCH
        """System time 0 in UTC, once `place` has settled it."""

    def correlate(self, utc: object, system: object) -> None:
        """A `timestamp_correlation` message: the same moment in UTC and in system time."""
        seconds = relative_seconds(system)
        if self.correlation is None and isinstance(utc, dt.datetime) and seconds is not None:
            self.correlation = utc - dt.timedelta(seconds=seconds)

    def started(self, utc: object) -> None:
        """An absolute start time seen in the file; the first one wins."""
        if self.absolute_start is None and isinstance(utc, dt.datetime):
            self.absolute_start = utc

    def offset(self, first_relative: int | None) -> tuple[dt.datetime, bool]:
        """What system time 0 is in UTC, and whether that is known rather than assumed."""
        if self.correlation is not None:
            return self.correlation, True
        if self.absolute_start is not None and first_relative is not None:
            return self.absolute_start - dt.timedelta(seconds=first_relative), True
        return FIT_EPOCH, False

    def place(self, records: Iterable[RawRecord]) -> tuple[list[Sample], bool]:
        """Samples in UTC, and whether the calendar date is known.

        Records with absolute times keep them; relative ones are placed with
        `offset`. A file mixing both is placed by its absolute ones where it
        has them.
        """
        records = list(records)
        first_relative = next((r.moment for r in records if isinstance(r.moment, int)), None)
        zero, known = self.offset(first_relative)
        self.zero = zero
        samples = [
            Sample(
                time=r.moment if isinstance(r.moment, dt.datetime) else _after(zero, r.moment),
                cadence_raw=r.cadence_raw,
                distance_m=r.distance_m,
                speed_mps=r.speed_mps,
            )
            for r in records
        ]
        all_absolute = first_relative is None
        return samples, known or all_absolute

    def moment(self, value: object) -> dt.datetime | None:
        """A session boundary or other single time, placed like the records (after `place`)."""
        if isinstance(value, dt.datetime):
            return value
        seconds = relative_seconds(value)
        return None if seconds is None else _after(self.zero, seconds)


def _after(zero: dt.datetime, seconds: int) -> dt.datetime:
    return zero + dt.timedelta(seconds=seconds)


def merge_by_time(samples: Iterable[Sample]) -> list[Sample]:
    """One sample per timestamp, in time order; each field from the first record with it.

    The sort is stable, so "first" is file order within a second.
    """
    merged: list[Sample] = []
    for sample in sorted(samples, key=lambda s: s.time):
        if merged and merged[-1].time == sample.time:
            kept = merged[-1]
            merged[-1] = Sample(
                time=kept.time,
                cadence_raw=_first(kept.cadence_raw, sample.cadence_raw),
                distance_m=_first(kept.distance_m, sample.distance_m),
                speed_mps=_first(kept.speed_mps, sample.speed_mps),
            )
        else:
            merged.append(sample)
    return merged


def _first(kept: float | None, other: float | None) -> float | None:
    return kept if kept is not None else other
