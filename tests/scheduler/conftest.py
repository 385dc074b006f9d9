"""Helpers to put athletes in the test database (shared with the end-to-end tests)."""

from __future__ import annotations

from tests.athletes import FRI, MON, SAT, SUN, THU, TUE, WED, add_athlete

__all__ = ["FRI", "MON", "SAT", "SUN", "THU", "TUE", "WED", "add_athlete"]
