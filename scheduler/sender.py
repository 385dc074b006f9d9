"""How the dispatcher sends, without knowing about Telegram.

`bot.sender` implements `Sender` with python-telegram-bot and maps Telegram's
errors to an `Outcome`; tests implement it with a list. Messages are Telegram
HTML plus inline buttons as (label, callback data) pairs; with `photo` (a
Telegram file_id) the text is the photo's caption. `paid` asks Telegram to
deliver it as a paid broadcast (beyond the free 30 messages/s, charged in Stars):
only coach broadcasts set it, and only when the operator turned it on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy.ext.asyncio import AsyncSession

    from coaching.models import Athlete
    from coaching.outbox import Delivery

ButtonRows = list[list[tuple[str, str]]]


@dataclass(frozen=True)
class OutgoingMessage:
    chat_id: int
    text: str
    buttons: ButtonRows = field(default_factory=list)
    photo: str | None = None
    paid: bool = False


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # flood control, or a send that surely did not happen: try again later
    BLOCKED = "blocked"  # the athlete blocked the bot or the chat is gone
    FAILED = "failed"  # refused for good (e.g. bad request): retrying would not help
    UNKNOWN = "unknown"  # may have reached Telegram (read timeout): never resend blindly


@dataclass(frozen=True)
class SendResult:
    """What became of one send. `failing` marks an answer that says Telegram or the
    network is in trouble (5xx, refused, timed out): it opens the circuit breaker."""

    outcome: Outcome
    message_id: int | None = None
    retry_after: float | None = None
    error: str | None = None
    failing: bool = False
    migrated_to: int | None = None  # the group became this supergroup: send there instead


class Sender(Protocol):
    async def send(self, message: OutgoingMessage) -> SendResult:
        """Send one message; report what happened rather than raising."""
        ...


class MessageComposer(Protocol):
    async def compose(
        self, session: AsyncSession, delivery: Delivery, athlete: Athlete | None, now: dt.datetime
    ) -> OutgoingMessage | None:
        """The message for one delivery (athlete is None for a group-chat post), or None
        when there is nothing to send any more (e.g. the broadcast was cancelled)."""
        ...
