"""Each person's updates in order, everybody's at once, and no one person can take all slots."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
from collections.abc import Coroutine
from typing import Any

from telegram import Chat, Message, Update, User

from bot.update_processor import PerUserUpdateProcessor

ANN, BEN = 5001, 5002


def text_update(user_id: int, update_id: int) -> Update:
    user = User(user_id, "X", is_bot=False)
    chat = Chat(user_id, Chat.PRIVATE)
    when = dt.datetime(2026, 3, 16, tzinfo=dt.UTC)
    return Update(update_id, message=Message(update_id, when, chat, from_user=user, text="hi"))


class Handling:
    """Records which updates ran, in which order; an update can be made to wait."""

    def __init__(self) -> None:
        self.ran: list[str] = []
        self.started: dict[str, asyncio.Event] = {}
        self.gates: dict[str, asyncio.Event] = {}

    def coroutine(self, name: str, *, wait: bool = False) -> Coroutine[Any, Any, None]:
        self.started[name] = asyncio.Event()
        if wait:
            self.gates[name] = asyncio.Event()
        return self._run(name)

    async def _run(self, name: str) -> None:
        self.started[name].set()
        if name in self.gates:
            await self.gates[name].wait()
        self.ran.append(name)


async def test_a_user_waiting_on_their_own_turn_holds_no_slot() -> None:
    processor = PerUserUpdateProcessor(max_concurrent_updates=2)
    handling = Handling()
    tasks = [
        asyncio.create_task(
            processor.process_update(text_update(ANN, 1), handling.coroutine("ann1", wait=True))
        ),
        asyncio.create_task(
            processor.process_update(text_update(ANN, 2), handling.coroutine("ann2", wait=True))
        ),
        asyncio.create_task(
            processor.process_update(text_update(ANN, 3), handling.coroutine("a3"))
        ),
    ]
    await handling.started["ann1"].wait()
    ben = asyncio.create_task(
        processor.process_update(text_update(BEN, 4), handling.coroutine("b"))
    )
    # Ann's first update holds one of the two slots; her next two wait for her, not for a slot.
    await asyncio.wait_for(ben, timeout=10)
    assert handling.ran == ["b"]
    assert processor.queued(ANN) == 3

    handling.gates["ann1"].set()
    await handling.started["ann2"].wait()
    handling.gates["ann2"].set()
    await asyncio.gather(*tasks)
    assert handling.ran == ["b", "ann1", "ann2", "a3"]
    assert processor.queued(ANN) == 0


async def queued(processor: PerUserUpdateProcessor, user_id: int, count: int) -> None:
    """Wait until `count` of the user's updates are in the processor (tasks start in turn)."""

    async def reached() -> None:
        while processor.queued(user_id) != count:  # noqa: ASYNC110 - a counter, no event
            await asyncio.sleep(0)

    await asyncio.wait_for(reached(), timeout=10)


async def test_a_flood_is_cut_at_the_cap_and_answered_once_per_flood() -> None:
    noticed: list[int] = []

    async def notice(update: object) -> None:
        assert isinstance(update, Update)
        noticed.append(update.update_id)

    processor = PerUserUpdateProcessor(max_queued_per_user=3, on_flood=notice)
    handling = Handling()

    def submit(update_id: int, *, wait: bool = False) -> asyncio.Task[None]:
        coroutine = handling.coroutine(str(update_id), wait=wait)
        return asyncio.create_task(processor.process_update(text_update(ANN, update_id), coroutine))

    kept = [submit(1, wait=True), submit(2), submit(3)]
    await queued(processor, ANN, 3)
    extra = [handling.coroutine(str(update_id)) for update_id in range(4, 9)]
    for update_id, coroutine in enumerate(extra, start=4):
        await processor.process_update(text_update(ANN, update_id), coroutine)  # returns at once
    assert noticed == [4]  # once, for the first update over the cap
    assert all(inspect.getcoroutinestate(c) == inspect.CORO_CLOSED for c in extra)

    handling.gates["1"].set()
    await asyncio.gather(*kept)
    assert handling.ran == ["1", "2", "3"]
    assert processor.queued(ANN) == 0

    # Her queue drained, so that flood is over: the next one is answered again.
    later = [submit(9, wait=True), submit(10), submit(11)]
    await queued(processor, ANN, 3)
    await processor.process_update(text_update(ANN, 12), handling.coroutine("12"))
    assert noticed == [4, 12]
    handling.gates["9"].set()
    await asyncio.gather(*later)
    assert handling.ran == ["1", "2", "3", "9", "10", "11"]


async def test_a_failing_notice_does_not_escape() -> None:
    async def notice(update: object) -> None:
        raise RuntimeError("Bot API down")

    processor = PerUserUpdateProcessor(max_queued_per_user=1, on_flood=notice)
    handling = Handling()
    first = asyncio.create_task(
        processor.process_update(text_update(BEN, 1), handling.coroutine("1", wait=True))
    )
    await queued(processor, BEN, 1)
    await processor.process_update(text_update(BEN, 2), handling.coroutine("2"))
    handling.gates["1"].set()
    await first
    assert handling.ran == ["1"]
