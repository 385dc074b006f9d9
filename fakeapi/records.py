"""What the fake Bot API remembers, as plain slotted dataclasses.

Kept deliberately small: a 100,000-recipient broadcast benchmark stores one
``BotMessage`` per send, so nothing here holds more than the test needs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

Keyboard = list[list[tuple[str, str | None]]]


class ApiError(Exception):
    """An error the fake answers with, shaped like Telegram's ``{"ok": false}`` reply."""

    def __init__(
        self,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        *,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram would send for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        parameters: dict[str, int] = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        if parameters:
            body["parameters"] = parameters
        return body


@dataclass(slots=True)
class StoredFile:
    """A file either side uploaded; downloadable through ``getFile`` + ``/file/bot…``."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    filename: str | None = None
    mime_type: str | None = None

    @property
    def is_photo(self) -> bool:
        """Whether Telegram holds it as a photo (sent or received with sendPhoto)."""
        return self.file_path.startswith("photos/")


@dataclass(slots=True)
class Edit:
    """One earlier state of a message, kept so tests can see what an edit replaced."""

    text: str | None
    reply_markup: dict[str, Any] | None
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class BotMessage:
    """A message the bot sent, in its *current* state (edits applied in place).

    ``text`` is what the user sees (HTML tags stripped, entities decoded, trimmed
    as Telegram trims) and ``entities`` its formatting as Bot API objects;
    ``raw_text`` is exactly what the bot sent. For media, ``text`` is the caption.
    """

    chat_id: int
    message_id: int
    date: int
    kind: Literal["text", "photo", "document"]
    text: str | None
    raw_text: str | None
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    file: StoredFile | None = None
    edits: list[Edit] = field(default_factory=list)
    deleted: bool = False
    entities: list[dict[str, Any]] = field(default_factory=list)

    @property
    def buttons(self) -> Keyboard:
        """The inline keyboard as rows of ``(text, callback_data)``."""
        return keyboard_buttons(self.reply_markup)

    @property
    def data(self) -> bytes | None:
        """The uploaded bytes of a photo or document, if any."""
        return self.file.data if self.file else None

    @property
    def filename(self) -> str | None:
        """The uploaded file name of a photo or document, if any."""
        return self.file.filename if self.file else None


@dataclass(slots=True)
class BotEvent:
    """One piece of bot output in a chat: a new message or an edit of one.

    Snapshots ``text``/``reply_markup`` at the time of the event, so a wait that
    returns an event is not changed by later edits; ``message`` is the live record.
    """

    kind: Literal["message", "edit"]
    message: BotMessage
    text: str | None
    reply_markup: dict[str, Any] | None
    entities: list[dict[str, Any]] = field(default_factory=list)

    @property
    def chat_id(self) -> int:
        """The chat the output went to."""
        return self.message.chat_id

    @property
    def message_id(self) -> int:
        """The id of the message sent or edited."""
        return self.message.message_id

    @property
    def buttons(self) -> Keyboard:
        """The inline keyboard at the time of the event."""
        return keyboard_buttons(self.reply_markup)


@dataclass(slots=True)
class CallbackQueryRecord:
    """A button tap the user made and how (whether) the bot answered it."""

    query_id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    data: str | None
    answered: bool = False
    answer_text: str | None = None
    show_alert: bool = False
    url: str | None = None
    created_at: float = field(default_factory=time.monotonic)
    """``time.monotonic()`` when the user tapped; Telegram lets a query go unanswered
    for a limited time only (``ChatStore.callback_query_max_age``)."""


@dataclass(slots=True)
class ApiCall:
    """One request the bot made, for debugging a failing test."""

    method: str
    params: dict[str, Any]
    error_code: int | None = None


def keyboard_buttons(reply_markup: dict[str, Any] | None) -> Keyboard:
    """Rows of ``(text, callback_data)`` from an inline keyboard dict (empty if none)."""
    if not reply_markup:
        return []
    rows = reply_markup.get("inline_keyboard") or []
    return [[(b.get("text", ""), b.get("callback_data")) for b in row] for row in rows]
