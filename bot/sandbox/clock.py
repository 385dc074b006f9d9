"""A clock the sandbox user can move forward, to see scheduled messages without waiting."""

from __future__ import annotations

import datetime as dt
import re

from coaching.base import utcnow

_SPAN = re.compile(r"^(\d{1,5})\s*([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class ShiftableClock:
    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return utcnow() + self.offset

    def forward(self, span: str) -> dt.timedelta:
        """Move forward by "90m", "2h" or "3d"; ValueError for anything else."""
        match = _SPAN.match(span.strip().lower())
        if match is None:
            raise ValueError(span)
        step = dt.timedelta(**{_UNITS[match[2]]: int(match[1])})
        self.offset += step
        return step

    def jump_to(self, moment: dt.datetime) -> None:
        """Move forward to `moment`; the clock never goes back."""
        if moment > self():
            self.offset += moment - self()
