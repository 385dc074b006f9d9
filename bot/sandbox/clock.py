"""A clock the sandbox user can move forward, to see scheduled messages without waiting.

With a `path`, the shift is kept in that file, so a sandbox started again goes
on at the time it had reached: otherwise the reminders it planned "tomorrow"
would look a day late, and the outbox would drop them as expired.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from coaching.base import utcnow

_SPAN = re.compile(r"^(\d{1,5})\s*([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class ShiftableClock:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.offset = dt.timedelta()
        if path is not None and path.exists():
            try:
                saved = json.loads(path.read_text())
                self.offset = dt.timedelta(seconds=float(saved["offset_seconds"]))
            except (ValueError, KeyError, TypeError):
                self.offset = dt.timedelta()  # an unreadable file: start from real time

    def __call__(self) -> dt.datetime:
        return utcnow() + self.offset

    def forward(self, span: str) -> dt.timedelta:
        """Move forward by "90m", "2h" or "3d"; ValueError for anything else."""
        match = _SPAN.match(span.strip().lower())
        if match is None:
            raise ValueError(span)
        step = dt.timedelta(**{_UNITS[match[2]]: int(match[1])})
        self.offset += step
        self._save()
        return step

    def jump_to(self, moment: dt.datetime) -> None:
        """Move forward to `moment`; the clock never goes back."""
        if moment > self():
            self.offset += moment - self()
            self._save()

    def _save(self) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps({"offset_seconds": self.offset.total_seconds()}))
