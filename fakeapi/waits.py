"""Blocking waits on a ``threading.Condition``, shared by the fake server and the fault proxy.

Tests wait for something the server's thread will do (a message sent, a request
held). Polling with sleeps makes such tests slow when generous and flaky when
tight; waiting on the condition the server notifies wakes exactly when it changes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class WaitTimeout(AssertionError, TimeoutError):
    """A wait ran out; the message lists what *was* received. Catch as either base.

    An ``AssertionError`` so pytest shows it as a failed expectation, a
    ``TimeoutError`` so callers that expect a timeout can catch it as one.
    """


def wait_for(
    cond: threading.Condition,
    find: Callable[[], T | None],
    timeout: float,
    what: Callable[[], str],
    received: Callable[[], str],
) -> T:
    """Return ``find()``'s first non-None result, evaluated under ``cond`` on each notify.

    ``what`` and ``received`` are only called on timeout, to say what was awaited
    and what happened instead.
    """
    deadline = time.monotonic() + timeout
    with cond:
        while True:
            found = find()
            if found is not None:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WaitTimeout(
                    f"timed out after {timeout} s waiting for {what()}; received:\n{received()}"
                )
            cond.wait(remaining)
