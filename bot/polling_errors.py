"""What to say when long polling fails: once per episode, in one line, not once per retry.

PTB retries `getUpdates` for ever (backing off up to 30 s) and by default logs
every failure with a traceback. What an operator needs to know is which
trouble it is and that it is being retried:

- 409 Conflict, "terminated by other getUpdates request": another process
  polls this token. Telegram hands each update to whichever poll came last, so
  both processes keep working, each on part of the traffic. This one keeps
  polling rather than exiting: a rolling restart overlaps for a few seconds,
  and whichever instance sees the conflict may be the healthy one, so exiting
  could stop both. It warns once, naming the cure: one poller per token, or
  webhooks for several instances (docs/operations.md).
- 409 Conflict while a webhook is set: an instance in webhook mode took over.
- The Bot API unreachable (a network error): PTB keeps retrying.

A trouble counts as a new episode when it has not been seen for `QUIET_PERIOD`
seconds, longer than PTB's largest back-off between retries.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from telegram.error import Conflict, NetworkError, TelegramError

log = logging.getLogger(__name__)

CONFLICT_WARNING = (
    "another instance is polling this token; use webhooks for several instances "
    "(each update goes to one of them; still polling)"
)
WEBHOOK_SET_WARNING = (
    "a webhook is set for this token (an instance in webhook mode?); "
    "this instance gets no updates until it is deleted"
)
QUIET_PERIOD = 120.0


def describe(error: TelegramError) -> tuple[str, str]:
    """The kind of trouble (for de-duplication) and the line to log for it."""
    if isinstance(error, Conflict):
        if "webhook" in error.message.lower():
            return "webhook", WEBHOOK_SET_WARNING
        return "conflict", CONFLICT_WARNING
    if isinstance(error, NetworkError):
        return "network", f"cannot reach the Bot API ({error.message}); still polling"
    return type(error).__name__, f"polling failed ({error.message}); still polling"


class PollingTrouble:
    """The `error_callback` for `Updater.start_polling`: warns once per episode."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last_seen: dict[str, float] = {}

    def __call__(self, error: TelegramError) -> None:
        try:  # PTB aborts polling if this raises
            kind, line = describe(error)
            now = self._clock()
            last = self._last_seen.get(kind)
            self._last_seen[kind] = now
            if last is None or now - last > QUIET_PERIOD:
                log.warning(line)
        except Exception:  # the report must never stop polling
            log.warning("polling failed; still polling")
