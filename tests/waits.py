"""Waiting on a condition, the one way tests wait for something the bot does.

A check is polled until it holds or the time is up; the failure names what was
awaited. Tests never sleep and hope: a negative assertion ("nothing was sent")
comes only after waiting for a positive marker that proves the work is done.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from coaching.db import Database

POLL = 0.02


async def eventually(check: Callable[[], Awaitable[bool]], what: str, within: float = 10.0) -> None:
    """Wait until `check()` holds (e.g. the planner has moved a `next_*_at` on)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(POLL)


def eventually_sync(check: Callable[[], bool], what: str, within: float = 10.0) -> None:
    """`eventually` for tests without an event loop (the bot in a subprocess)."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        time.sleep(POLL)


async def wait_db(
    db: Database,
    check: Callable[[AsyncSession], Awaitable[bool]],
    what: str,
    seconds: float = 60.0,
) -> None:
    """Wait for a database condition, each check in its own transaction."""

    async def holds() -> bool:
        async with db.transaction() as session:
            return await check(session)

    await eventually(holds, what, within=seconds)
