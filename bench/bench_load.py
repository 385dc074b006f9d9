"""A coach's Monday: athletes tapping through the self-test while a broadcast goes out.

`--athletes` athletes (2,000) each have the self-test open (started before the
measured window: the first questions are 2,000 new messages, a minute's worth
at 30 a second) and tap its first answer every few seconds (a pause of
`--every` seconds ± half, after the bot has answered the previous tap), for
`--seconds`, against the real `hipcoach run` and the fake Bot API over HTTP;
an athlete who finishes the test starts it again. Two runs side by side: the
taps alone, then the same taps while a coach's broadcast to `--recipients`
(100,000) subscribers goes out at Telegram's 30 messages a second (the fake
answers 429 above that). Reported: the taps' p50/p99/max latency (tap to the
bot's answer in the chat), apart for answers that are edits (the next
question) and new messages (the summary, a test's first question: these
compete with the broadcast for the 30 a second), how many copies of the
broadcast went out meanwhile, the 429s the bot got, and the most requests for
new messages the bot made in any one second by its own clock (`bench.traced_bot`).

    python bench/bench_load.py [--athletes 2000] [--recipients 100000] [--every 4]
                               [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import math
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from bench.bench_updates import is_question  # noqa: E402
from bench.common import (  # noqa: E402
    busiest_second,
    cpu_seconds,
    fake_first,
    median,
    no_collection_pauses,
    percentile,
    rss_mib,
    stamp,
    write_section,
)
from coaching import broadcasts, coach_profile, coaches, migrate  # noqa: E402
from coaching.db import Database  # noqa: E402
from coaching.models import Athlete  # noqa: E402
from fakeapi import BotEvent, FakeBotApi, FakeUser  # noqa: E402

TOKEN = "123456:" + "D" * 35
ROOT = Path(__file__).resolve().parents[1]
RATE = 30
OPENING_GROUP = 5
NEWS = "Club news"
"""How the broadcast's copies begin: they are not answers to anyone's tap."""


async def seed(url: str, recipients: int, coach: int, broadcast: bool) -> None:
    """Onboarded athletes 1..recipients; with `broadcast`, one confirmed to all of them."""
    db = Database(url)
    now = dt.datetime.now(dt.UTC)
    for start in range(1, recipients + 1, 10_000):
        rows = [
            {
                "id": i,
                "first_name": f"A{i}",
                "language": "en",
                "consent_at": now,
                "onboarded_at": now,
                "timezone": "Europe/Helsinki",
                "run_days_mask": 0,
                "active": True,
                "created_at": now,
            }
            for i in range(start, min(recipients + 1, start + 10_000))
        ]
        async with db.transaction() as session:
            await session.execute(insert(Athlete), rows)
    if broadcast:
        async with db.transaction() as session:
            role = await coaches.authorise(session, {coach}, coach)
            assert role is not None
            await coach_profile.note_identity(session, role, "Yan", "en", now)
            draft = await broadcasts.start_draft(session, role, now)
            broadcasts.set_text(draft, f"<b>{NEWS}</b>: hill repeats on Thursday", now)
            await broadcasts.choose_audience(
                session, role, draft, broadcasts.Audience.ALL, None, now
            )
            await broadcasts.confirm(session, role, draft, now)
    await db.dispose()


class Answers:
    """Hands each athlete the bot's answer to their tap, from one thread.

    Waiting in a thread per athlete would wake 2,000 threads at every message
    the fake records; this one wakes once and looks only at the chats the bot
    wrote to since (`FakeBotApi.on_event`): looking at all 2,000 each time would
    hold the fake's lock, and stall its thread, for milliseconds at every message.
    """

    def __init__(self, api: FakeBotApi, loop: asyncio.AbstractEventLoop) -> None:
        self.api, self.loop = api, loop
        self.cursors: dict[int, int] = {}
        self.waiting: dict[int, tuple[Callable[[BotEvent], bool], asyncio.Future[float]]] = {}
        self.changed: set[int] = set()
        self.running = True
        with api.cond:
            api.on_event = self.changed.add
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def expect(self, chat_id: int, match: Callable[[BotEvent], bool]) -> asyncio.Future[float]:
        future: asyncio.Future[float] = self.loop.create_future()
        with self.api.cond:
            self.waiting[chat_id] = (match, future)
            self.changed.add(chat_id)  # what came since the last answer counts too
            self.api.cond.notify_all()
        return future

    def last(self, chat_id: int) -> BotEvent:
        """The event that settled the chat's last expectation."""
        with self.api.cond:
            return self.api.chats[chat_id].events[self.cursors[chat_id] - 1]

    def stop(self) -> None:
        with self.api.cond:
            self.running = False
            self.api.on_event = lambda chat_id: None
            self.api.cond.notify_all()
        self.thread.join()

    def _watch(self) -> None:
        with self.api.cond:
            while self.running:
                if not self.changed:
                    self.api.cond.wait(0.2)
                for chat_id in list(self.changed):
                    self._look(chat_id)
                self.changed.clear()

    def _look(self, chat_id: int) -> None:
        """Settle the chat's expectation if an event since its last answer matches."""
        waiting, state = self.waiting.get(chat_id), self.api.chats.get(chat_id)
        if waiting is None or state is None:
            return
        match, future = waiting
        events = state.events
        for index in range(self.cursors.get(chat_id, 0), len(events)):
            if match(events[index]):
                self.cursors[chat_id] = index + 1
                del self.waiting[chat_id]
                self.loop.call_soon_threadsafe(_settle, future, time.perf_counter())
                return


def _settle(future: asyncio.Future[float], at: float) -> None:
    if not future.done():
        future.set_result(at)


def answered(event: BotEvent) -> bool:
    """The answer to a tap: the next question (the tapped message, edited), or after the
    last one the summary, the first new message that is not the broadcast."""
    return is_question(event) or (event.kind == "message" and NEWS not in (event.text or ""))


def new_message(event: BotEvent) -> bool:
    return event.kind == "message"


async def open_selftest(user: FakeUser, answers: Answers) -> BotEvent | None:
    """Start the athlete's self-test before the measured window; its first question."""
    answer = answers.expect(user.user_id, is_question)
    user.send_command("/selftest")
    try:
        await asyncio.wait_for(answer, 300)
    except TimeoutError:
        return None
    return answers.last(user.user_id)


async def athlete(
    user: FakeUser,
    answers: Answers,
    question: BotEvent | None,
    every: float,
    deadline: float,
    latencies: dict[str, list[float]],
    rng: random.Random,
) -> int:
    """Tap, wait for the answer, pause, again; returns the taps left unanswered (60 s)."""
    unanswered = 0
    await asyncio.sleep(rng.uniform(0, every))
    while time.perf_counter() < deadline:
        answer = answers.expect(user.user_id, answered if question else is_question)
        started = time.perf_counter()
        if question is None:
            user.send_command("/selftest")
        else:
            user.tap_data(question.message_id, question.buttons[0][0][1] or "")
        try:
            at = await asyncio.wait_for(answer, 60)
        except TimeoutError:
            unanswered += 1
            question = None
            continue
        event = answers.last(user.user_id)
        latencies["new" if new_message(event) else "edit"].append(at - started)
        question = event if is_question(event) else None
        await asyncio.sleep(rng.uniform(every / 2, every * 3 / 2))
    return unanswered


async def open_all(users: list[FakeUser], answers: Answers) -> list[BotEvent | None]:
    """Every athlete sends `/selftest` within a couple of seconds; their first questions.

    A few at a time, a few milliseconds apart: building a user's message (PTB's
    objects) is slow, and 2,000 in one go would hold the interpreter's lock for half
    a second, stopping the fake's thread while the broadcast's requests arrive. It
    would then count them all at once, a burst the bot never sent.
    """
    opening = []
    for at in range(0, len(users), OPENING_GROUP):
        group = users[at : at + OPENING_GROUP]
        opening += [asyncio.ensure_future(open_selftest(u, answers)) for u in group]
        await asyncio.sleep(0.005)
    return await asyncio.gather(*opening)


async def drive(
    api: FakeBotApi,
    users: list[FakeUser],
    every: float,
    seconds: float,
    on_start: Callable[[], None],
) -> tuple[dict[str, list[float]], int]:
    answers = Answers(api, asyncio.get_running_loop())
    latencies: dict[str, list[float]] = {"edit": [], "new": []}
    rng = random.Random(7)
    try:
        questions = await open_all(users, answers)
        print(f"  {sum(q is not None for q in questions)} self-tests open", flush=True)
        on_start()
        deadline = time.perf_counter() + seconds
        missed = await asyncio.gather(
            *(
                athlete(u, answers, q, every, deadline, latencies, rng)
                for u, q in zip(users, questions, strict=True)
            )
        )
    finally:
        answers.stop()
    return latencies, sum(missed)


def run(args: argparse.Namespace, with_broadcast: bool) -> dict[str, float]:
    coach = args.recipients + 10
    fake = FakeBotApi(record_messages=True, strict_chats=False)
    with no_collection_pauses(), tempfile.TemporaryDirectory() as tmp, fake as api:
        url = f"sqlite+aiosqlite:///{tmp}/load.sqlite3"
        migrate.upgrade(url)
        asyncio.run(seed(url, args.recipients, coach, with_broadcast))
        users = [  # before the bot starts: building them holds the fake's thread up
            FakeUser(api, i, first_name=f"A{i}", started=True) for i in range(1, args.athletes + 1)
        ]
        stamps = Path(tmp) / "requests.txt"
        api.max_per_second = RATE
        fake_first(api)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=api.root_url,
            DATABASE_URL=url,
            SEND_RATE_LIMIT=str(RATE),
            ADMIN_IDS=str(coach),
            LOG_LEVEL="WARNING",
            DISPATCH_INTERVAL_SECONDS="1",
            PLAN_INTERVAL_SECONDS="3600",
        )
        bot = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "bench.traced_bot", str(stamps)], env=env, cwd=ROOT
        )
        try:
            api.wait_until(lambda: api.waiting_polls > 0, 60, "the bot to start polling")
            if with_broadcast:
                api.wait_until(lambda: api.sent_count >= RATE * 3, 120, "the broadcast")
            marks: dict[str, float] = {}

            def start() -> None:
                marks.update(
                    sent=api.sent_count,
                    cpu=cpu_seconds(bot.pid),
                    at=time.perf_counter(),
                    refused=api.count_429,
                )

            latencies, missed = asyncio.run(drive(api, users, args.every, args.seconds, start))
            elapsed = time.perf_counter() - marks["at"]
            cpu = cpu_seconds(bot.pid) - marks["cpu"]
            memory = rss_mib(bot.pid)[0]
            refused, refused_opening = api.count_429, int(marks["refused"])
            sent = api.sent_count - marks["sent"]
        finally:
            bot.terminate()
            try:
                bot.wait(60)
            except subprocess.TimeoutExpired:
                bot.kill()  # still answering a backlog of taps
                bot.wait(10)
        busiest = busiest_second(stamps)
    taps = [*latencies["edit"], *latencies["new"]]
    result = {
        "taps": len(taps),
        "per_second": len(taps) / elapsed,
        "p50": median(taps) * 1000,
        "p99": percentile(taps, 0.99) * 1000,
        "edits": len(latencies["edit"]),
        "edit_p50": median(latencies["edit"]) * 1000,
        "edit_p99": percentile(latencies["edit"], 0.99) * 1000,
        "news": len(latencies["new"]),
        "new_p50": median(latencies["new"]) * 1000,
        "new_p99": percentile(latencies["new"], 0.99) * 1000,
        "max": max(taps, default=float("nan")) * 1000,
        "missed": missed,
        "sent": sent,
        "sent_rate": sent / elapsed,
        "refused": refused,
        "refused_opening": refused_opening,
        "busiest": float("nan") if busiest is None else busiest,
        "cpu": cpu / elapsed,
        "memory": memory,
    }
    label = "with the broadcast" if with_broadcast else "taps alone"
    print(
        f"{label:<20} {result['taps']:.0f} taps ({result['per_second']:.0f}/s): p50 "
        f"{result['p50']:.0f} ms, p99 {result['p99']:.0f} ms, max {result['max']:.0f} ms; "
        f"edits {result['edits']:.0f}: p50 {result['edit_p50']:.0f} ms, p99 "
        f"{result['edit_p99']:.0f} ms; new messages {result['news']:.0f}: p50 "
        f"{result['new_p50']:.0f} ms, p99 {result['new_p99']:.0f} ms; "
        f"{missed} unanswered; {sent} new messages sent ({result['sent_rate']:.1f}/s), "
        f"{refused} × 429 in the whole run ({refused_opening} while the tests opened); "
        f"the bot's busiest second {busiest} requests (limit {RATE}); "
        f"bot CPU {result['cpu']:.0%} of a core, "
        f"RSS {memory:.0f} MiB",
        flush=True,
    )
    return result


def busiest_cell(busiest: float) -> str:
    """The bot's busiest second, or a dash when it was stopped before writing its stamps."""
    return "—" if math.isnan(busiest) else f"{busiest:.0f}"


def spread(count: float, p50: float, p99: float) -> str:
    """A table cell: how many answers and their p50 / p99, or "none"."""
    return f"{count:.0f}: {p50:.0f} / {p99:.0f} ms" if count else "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--athletes", type=int, default=2000)
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--every", type=float, default=4.0, help="seconds between taps")
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    alone = run(args, with_broadcast=False)
    loaded = run(args, with_broadcast=True)
    rows = [
        f"| {label} | {r['taps']:.0f} ({r['per_second']:.0f}/s) | {r['p50']:.0f} / "
        f"{r['p99']:.0f} ms | {spread(r['edits'], r['edit_p50'], r['edit_p99'])} | "
        f"{spread(r['news'], r['new_p50'], r['new_p99'])} | {r['max']:.0f} ms | "
        f"{r['missed']:.0f} | {r['sent_rate']:.1f}/s | "
        f"{r['refused']:.0f} ({r['refused_opening']:.0f}) | {busiest_cell(r['busiest'])} | "
        f"{r['cpu']:.0%} | "
        f"{r['memory']:.0f} MiB |"
        for label, r in (("taps alone", alone), ("taps + broadcast", loaded))
    ]
    write_section(
        "load",
        "\n".join(
            [
                "## 6. Taps while a broadcast goes out",
                "",
                stamp(),
                "",
                f"{args.athletes:,} athletes each with the self-test open (started before the "
                "window) tap its first answer, then pause "
                f"{args.every / 2:g}–{args.every * 3 / 2:g} s after the bot's answer, for "
                f"{args.seconds:.0f} s; one who finishes starts again. {args.recipients:,} "
                "onboarded athletes in the database (SQLite). The second run has a coach's "
                f"broadcast to all of them going out at {RATE} messages a second meanwhile (the "
                "fake Bot API answers 429 above that for new messages; edits and button answers "
                "are not counted). Latency is from the tap to the bot's answer appearing in the "
                "chat (p50 / p99), apart for answers that edit the tapped question and answers "
                "that are new messages (a summary, a test's first question). 'New messages' "
                "counts every new message the bot sent in the window (broadcast copies "
                "included); 429s are counted over the whole run, in brackets those while the "
                "tests opened. The bot's busiest second is the most requests for new messages "
                "it made in any one second, by its own clock (`bench.traced_bot`; the limit is "
                f"{RATE}): a 429 while it stays within the limit is the fake's, which counts "
                "requests when its thread in this process gets round to them.",
                "",
                "| run | taps | all taps | edited answers | new-message answers | max | "
                "unanswered | new messages | 429s | bot's busiest second | bot CPU | bot memory |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|",
                *rows,
            ]
        ),
    )


if __name__ == "__main__":
    main()
