"""Seed a database for the broadcast benchmark: subscribers and one confirmed broadcast.

Run as a script by `bench_broadcast.py`, with `PYTHONPATH` naming the checkout
whose code (migrations, models, `broadcasts.confirm`) is measured, so that an
earlier commit's bot is given a database of its own schema:

    PYTHONPATH=<checkout> python bench/broadcast_seed.py <database url> <recipients>

Prints the seconds `confirm` took (one transaction queueing every delivery).
It imports nothing from `bench/`: this file is run from one checkout against another.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from coaching import broadcasts, coaches, migrate
from coaching.db import Database
from coaching.models import Athlete

COACH = 1
TEXT = "<b>Club news</b>: hill repeats on Thursday"


async def queue_broadcast(url: str, recipients: int) -> float:
    """Subscribers, then a broadcast to all of them; returns seconds taken by `confirm`."""
    db = Database(url)
    now = dt.datetime.now(dt.UTC)
    for start in range(2, recipients + 2, 10_000):
        rows = [
            {
                "id": i,
                "first_name": f"A{i}",
                "language": "en",
                "active": True,
                "created_at": now,
                "consent_at": now,
            }
            for i in range(start, min(recipients + 2, start + 10_000))
        ]
        async with db.transaction() as session:
            await session.execute(insert(Athlete), rows)
    async with db.transaction() as session:
        role = await coaches.authorise(session, {COACH}, COACH)
        assert role is not None
        await note_identity(session, role, now)
        draft = await broadcasts.start_draft(session, role, now)
        broadcasts.set_text(draft, TEXT, now)
        await broadcasts.choose_audience(session, role, draft, broadcasts.Audience.ALL, None, now)
        started = time.perf_counter()
        await broadcasts.confirm(session, role, draft, now)
        took = time.perf_counter() - started
    await db.dispose()
    return took


async def note_identity(session: Any, role: Any, now: dt.datetime) -> None:
    """The coach's name, as the bot keeps it once the coach has written to it (where the
    checkout has coach profiles: broadcasts then open with "Coach Yan")."""
    import coaching

    if not (Path(coaching.__file__).parent / "coach_profile.py").exists():
        return  # (an editable install would otherwise find another checkout's module)
    profile = importlib.import_module("coaching.coach_profile")
    await profile.note_identity(session, role, "Yan", "en", now)


def main() -> None:
    url, recipients = sys.argv[1], int(sys.argv[2])
    migrate.upgrade(url)
    print(f"{asyncio.run(queue_broadcast(url, recipients)):.3f}", flush=True)


if __name__ == "__main__":
    main()
