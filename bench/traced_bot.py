"""`hipcoach run` that notes when each paced send's request went, for the benchmarks.

    python -m bench.traced_bot STAMPS_FILE

The fake Bot API counts a request against Telegram's limit when its thread gets
round to it, inside the benchmark's process. While that thread waits (for the
benchmark's other threads, or for a core) requests that left the bot a second
apart are counted closer together, and the fake answers 429 where Telegram,
counting on its own servers, would not. The bot's own count tells the two apart:
this writes, one a line, when each paced send's request went (monotonic seconds,
the machine's clock, which the benchmark's process reads too), and the benchmark
reports the most of them in any one second (`bench.common.busiest_second`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from scheduler import pacing


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    going = pacing.request_going
    with open(sys.argv[1], "a", encoding="ascii") as stamps:

        @contextmanager
        def noted() -> Iterator[None]:
            if pacing._SENDING.get() is not None:  # a paced send's request, not an edit
                stamps.write(f"{time.monotonic()}\n")
            with going():
                yield

        # Before the bot's modules import it by name.
        pacing.request_going = noted
        from bot.cli import main as hipcoach

        return hipcoach(["run"])


if __name__ == "__main__":
    sys.exit(main())
