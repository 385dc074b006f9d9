"""A circuit breaker for the outbox: stop claiming while Telegram is failing.

Without it, a minute of 5xx answers drains the whole queue into retries (or,
for answers that may have been processed, into "unknown"), one recipient after
another. With it, a few failures in a row open the breaker: the dispatcher
gives back what it claimed and waits; after a cool-down one message probes
Telegram, and only a success closes the breaker again. The cool-down doubles
on every failed probe, up to a maximum.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"  # sending normally
    OPEN = "open"  # Telegram is failing: nothing is sent until the cool-down is over
    HALF_OPEN = "half_open"  # one probe is allowed


class CircuitBreaker:
    def __init__(
        self,
        threshold: int = 5,
        cooldown: float = 5.0,
        max_cooldown: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.base_cooldown = cooldown
        self.max_cooldown = max_cooldown
        self._clock = clock
        self._failures = 0
        self._cooldown = cooldown
        self._opened_at: float | None = None
        self.failed_probes = 0  # since it last opened

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._clock() - self._opened_at < self._cooldown:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    def allowance(self, wanted: int) -> int:
        """How many sends may be made now: all when closed, one probe when half-open."""
        state = self.state
        if state is BreakerState.CLOSED:
            return wanted
        return 1 if state is BreakerState.HALF_OPEN and wanted else 0

    def seconds_left(self) -> float:
        if self._opened_at is None:
            return 0.0
        return max(0.0, self._cooldown - (self._clock() - self._opened_at))

    def succeeded(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._cooldown = self.base_cooldown

    def failed(self) -> None:
        """Telegram or the network failed (5xx, refused, timed out); not a 4xx or a 429."""
        if self._opened_at is not None:
            if self.state is BreakerState.HALF_OPEN:  # the probe failed
                self.failed_probes += 1
                self._cooldown = min(self._cooldown * 2, self.max_cooldown)
                self._opened_at = self._clock()
            return
        self._failures += 1
        if self._failures >= self.threshold:
            self._opened_at = self._clock()
            self.failed_probes = 0
