"""An in-memory Sender and a composer that needs no knowledge base."""

from __future__ import annotations

import datetime as dt
from collections import deque

from sqlalchemy.ext.asyncio import AsyncSession

from coaching.models import Athlete
from coaching.outbox import Delivery
from scheduler.sender import Outcome, OutgoingMessage, SendResult


class FakeSender:
    """Records every message; answers with queued results, else SENT."""

    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []
        self.results: deque[SendResult] = deque()
        self._next_id = 100

    async def send(self, message: OutgoingMessage) -> SendResult:
        self.sent.append(message)
        if self.results:
            return self.results.popleft()
        self._next_id += 1
        return SendResult(Outcome.SENT, message_id=self._next_id)


class KindComposer:
    """The message is just the delivery's kind and slot."""

    async def compose(
        self, session: AsyncSession, delivery: Delivery, athlete: Athlete | None, now: dt.datetime
    ) -> OutgoingMessage | None:
        return OutgoingMessage(delivery.recipient, f"{delivery.kind} {delivery.slot}")
