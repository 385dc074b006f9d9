"""Process updates from different people at once, but each person's in order.

PTB handles updates one at a time by default, so one athlete's slow reply holds
up everybody. Fully concurrent handling would let two quick taps of the same
person race. Serialising per user (or per chat, for updates without a user)
gives both: throughput across athletes, and each athlete's taps in sequence.

One person must not be able to starve everybody else, though:

- A concurrency slot is taken only once it is the person's turn. PTB's base
  class takes its slot *before* handing over the update, so a person's queued
  updates, each waiting for the one before, would sit on slots doing nothing;
  here the base class's limit is set out of reach and the real one is applied
  after the per-person lock.
- At most `max_queued_per_user` updates of one person wait at a time. Beyond
  that (someone pasting hundreds of messages, a runaway script) the extra
  updates are dropped, and the person is told once per flood, in their
  language, to slow down. The flood ends when their queue has drained.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Chat, Update
from telegram.ext import BaseUpdateProcessor

from bot.context import update_language as language
from bot.render import ui
from bot.telegram_io import send_html
from knowledge import KnowledgeBase

log = logging.getLogger(__name__)

FloodNotice = Callable[[object], Awaitable[None]]
OUT_OF_REACH = 2**31 - 1
"""The base class's own limit: never reached, so it never holds a slot for a waiting update."""


@dataclass
class _Person:
    """One person's turn-taking: their lock, how many of their updates are in, a flood flag."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    queued: int = 0
    told_to_slow_down: bool = False


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(
        self,
        max_concurrent_updates: int = 64,
        max_queued_per_user: int = 20,
        on_flood: FloodNotice | None = None,
    ) -> None:
        super().__init__(OUT_OF_REACH)
        if max_concurrent_updates < 1 or max_queued_per_user < 1:
            raise ValueError("the limits must be positive")
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self.max_queued_per_user = max_queued_per_user
        self._on_flood = on_flood
        self._people: dict[int, _Person] = {}

    @staticmethod
    def _key(update: object) -> int:
        if isinstance(update, Update):
            if update.effective_user is not None:
                return update.effective_user.id
            if update.effective_chat is not None:
                return update.effective_chat.id
        return 0

    def queued(self, key: int) -> int:
        """How many updates of this person are being handled or waiting their turn."""
        person = self._people.get(key)
        return person.queued if person is not None else 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._key(update)
        person = self._people.setdefault(key, _Person())
        if person.queued >= self.max_queued_per_user:
            if inspect.iscoroutine(coroutine):
                coroutine.close()  # dropped: it must not run, nor warn that it never did
            if not person.told_to_slow_down:
                person.told_to_slow_down = True
                await self._notify(update)
            return
        person.queued += 1
        try:
            async with person.lock, self._slots:
                await coroutine
        finally:
            person.queued -= 1
            if person.queued == 0:  # forget idle people so memory does not grow
                del self._people[key]

    async def _notify(self, update: object) -> None:
        if self._on_flood is None:
            return
        try:
            await self._on_flood(update)
        except Exception:  # the notice is a courtesy: its failure must not escape
            log.warning("could not ask a flooding user to slow down", exc_info=True)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def slow_down_notice(kb: KnowledgeBase) -> FloodNotice:
    """The flood notice the bot sends: the `slow_down` text, in private chats only."""

    async def notice(update: object) -> None:
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        if update.effective_chat.type != Chat.PRIVATE:
            return  # a group should not hear about one member's flood
        await send_html(update, ui(kb, language(update), "slow_down"))

    return notice
