"""What the fake Bot API knows: chats and their messages, users, files, taps and updates.

Two threads touch this state: the server's (answering the bot) and the test's
(acting as users, asserting on output). So it all lives behind one
``threading.Condition``, notified on every change a test could wait for; the
Bot API methods, the update delivery and the HTTP routes take the same lock.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from telegram import (
    Chat,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberUpdated,
    TelegramObject,
    User,
)

from fakeapi.records import (
    ApiCall,
    ApiError,
    BotEvent,
    BotMessage,
    CallbackQueryRecord,
    StoredFile,
)
from fakeapi.waits import wait_for

PRIVATE_BURST = 5
"""Messages one private chat takes within a second; Telegram asks for about one a second
but lets short bursts through, so the fake answers 429 only past this."""
GROUP_PER_MINUTE = 20
"""Messages one group takes within a minute (Telegram's documented limit)."""
CALLBACK_QUERY_MAX_AGE = 15 * 60.0
"""Seconds after a tap within which the bot may still answer it."""
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
"""getFile: the largest file a bot may download."""
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
"""sendDocument: the largest file a bot may upload."""

QueuedUpdate = tuple[int, str, dict[str, Any]]
"""``(update_id, kind, Update as dict)``; the kind is kept to filter by ``allowed_updates``."""


@dataclass(slots=True)
class ChatState:
    """Everything the fake knows about one chat."""

    chat: Chat
    next_message_id: int = 1
    messages: dict[int, BotMessage] = field(default_factory=dict)
    events: list[BotEvent] = field(default_factory=list)
    user_message_ids: set[int] = field(default_factory=set)
    chat_dict: dict[str, Any] | None = None
    """``chat.to_dict()``, cached: a broadcast benchmark sends 100,000 messages."""
    send_times: deque[float] | None = None
    """When the bot's recent messages here were sent (``time.monotonic()``), for the
    per-chat flood limit; made on the first send (a benchmark has 100,000 chats)."""
    migrated_to: int | None = None
    """The supergroup this group became (``ChatStore.migrate_to_supergroup``)."""


class ChatStore:
    """The fake's memory, and the test-facing ways to read it, feed it and wait on it.

    ``record_messages=False`` keeps only counters (for benchmarks). A chat nobody
    introduced (a ``FakeUser``, ``add_bot_to_group``, ``register_chat``) is "chat
    not found", as on Telegram; ``strict_chats=False`` takes an unknown positive id
    for a private chat that has started the bot instead, so broadcast benchmarks
    need not create 100,000 users first. A user must have written to the bot in
    private before the bot can write to them (``started_user_ids``; a ``FakeUser``
    joins it with its first message, or at once with ``started=True``).

    Limits the sending methods read, each settable by a test: ``blocked_user_ids``,
    ``max_per_second`` (global), ``private_burst`` (messages per second to one
    private chat), ``group_per_minute``, ``callback_query_max_age`` (seconds),
    ``max_download_bytes`` (getFile) and ``max_upload_bytes`` (sendDocument).

    The public attributes without a method of their own (``cond``, ``chats``,
    ``updates``, ``files``…) are shared with the other parts of the fake;
    tests should prefer the methods, which take the lock.
    """

    def __init__(
        self,
        *,
        bot_first_name: str = "Hip Coach",
        bot_username: str = "hipcoach_bot",
        record_messages: bool = True,
        strict_chats: bool = True,
        call_log_size: int = 1000,
    ) -> None:
        self.bot_first_name = bot_first_name
        self.bot_username = bot_username
        self.record_messages = record_messages
        self.strict_chats = strict_chats
        self.blocked_user_ids: set[int] = set()
        self.started_user_ids: set[int] = set()
        self.max_per_second: float | None = None
        self.private_burst: int | None = PRIVATE_BURST
        self.group_per_minute: int | None = GROUP_PER_MINUTE
        self.callback_query_max_age: float = CALLBACK_QUERY_MAX_AGE
        self.max_download_bytes = MAX_DOWNLOAD_BYTES
        self.max_upload_bytes = MAX_UPLOAD_BYTES
        self.sent_count = 0
        self.count_429 = 0
        self.webhook_deliveries = 0
        self.waiting_polls = 0
        self.calls: deque[ApiCall] = deque(maxlen=call_log_size)
        self.bot_settings: dict[str, Any] = {}

        self.cond = threading.Condition(threading.RLock())
        self.chats: dict[int, ChatState] = {}
        self.updates: deque[QueuedUpdate] = deque()
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.callbacks: dict[str, CallbackQueryRecord] = {}
        self.on_update: Callable[[], None] = lambda: None
        """Called from the pushing thread after an update is queued (to wake its delivery)."""
        self.on_event: Callable[[int], None] = lambda chat_id: None
        """Called with the lock held when the bot's message or edit is recorded, with its
        chat's id: a watcher of thousands of chats then looks only at those that changed."""
        self._update_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._bot_users: dict[str, User] = {}

    # ------------------------------------------------------------------ chats

    def register_chat(self, chat: Chat) -> None:
        """Make a chat known (FakeUser does this for its private chat)."""
        with self.cond:
            state = self.chats.get(chat.id)
            if state is None:
                self.chats[chat.id] = ChatState(chat)
            else:
                state.chat, state.chat_dict = chat, None

    def chat_state(self, chat_id: int) -> ChatState:
        """The chat's state, made up for an unknown private chat unless strict; hold the lock."""
        state = self.chats.get(chat_id)
        if state is None:
            if self.strict_chats or chat_id <= 0:
                raise ApiError(400, "Bad Request: chat not found")
            chat = Chat(id=chat_id, type=Chat.PRIVATE, first_name=f"User {chat_id}")
            state = self.chats[chat_id] = ChatState(chat)
            self.started_user_ids.add(chat_id)
        return state

    def mark_started(self, user_id: int) -> None:
        """The user has written to the bot, so the bot may write to them."""
        with self.cond:
            self.started_user_ids.add(user_id)

    def migrate_to_supergroup(self, chat_id: int, supergroup_id: int | None = None) -> int:
        """Turn a group into a supergroup, as when an admin changes a setting; returns its id.

        From now on every send to the old id answers 400 "group chat was upgraded to a
        supergroup chat" with ``parameters.migrate_to_chat_id``, as Telegram does, and
        the new supergroup is a known chat (same title).
        """
        with self.cond:
            state = self.chat_state(chat_id)
            if state.chat.type != Chat.GROUP:
                raise ValueError(f"chat {chat_id} is not a basic group")
            if supergroup_id is None:
                supergroup_id = -1_000_000_000_000 + chat_id
            state.migrated_to = supergroup_id
            self.chats[supergroup_id] = ChatState(
                Chat(id=supergroup_id, type=Chat.SUPERGROUP, title=state.chat.title)
            )
            self.cond.notify_all()
        return supergroup_id

    def chat(self, chat_id: int) -> Chat:
        """The ``telegram.Chat`` for a known chat id."""
        with self.cond:
            return self.chat_state(chat_id).chat

    def new_message_id(self, chat_id: int, *, from_user: bool = True) -> int:
        """Allocate the next message id in a chat (ids are per chat, shared by both sides)."""
        with self.cond:
            state = self.chat_state(chat_id)
            message_id = state.next_message_id
            state.next_message_id += 1
            if from_user:
                state.user_message_ids.add(message_id)
            return message_id

    def add_bot_to_group(
        self,
        chat_id: int,
        title: str,
        by_user: Any,
        *,
        chat_type: Literal["group", "supergroup"] = "group",
        token: str | None = None,
    ) -> int:
        """Create a group chat and queue the ``my_chat_member`` update saying the bot joined.

        ``by_user`` is a FakeUser or ``telegram.User``. ``token`` decides the bot id in the
        update; without it the last token seen (or 1) is used. Returns the update id.
        """
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        user: User = getattr(by_user, "user", by_user)
        chat = Chat(id=chat_id, type=chat_type, title=title)
        self.register_chat(chat)
        bot_user = self.bot_user(token)
        change = ChatMemberUpdated(
            chat=chat,
            from_user=user,
            date=datetime.now(UTC).replace(microsecond=0),
            old_chat_member=ChatMemberLeft(user=bot_user),
            new_chat_member=ChatMemberMember(user=bot_user),
        )
        return self.push_update("my_chat_member", change)

    # ------------------------------------------------------------------ users

    def bot_user(self, token: str | None = None) -> User:
        """The bot as a ``telegram.User``: for ``token``, else the last token seen."""
        with self.cond:
            if token is not None:
                user = self._bot_users.get(token)
                if user is None:
                    user = self._bot_users[token] = User(
                        id=int(token.split(":", 1)[0]),
                        is_bot=True,
                        first_name=self.bot_first_name,
                        username=self.bot_username,
                        can_join_groups=True,
                        can_read_all_group_messages=False,
                        supports_inline_queries=False,
                    )
                return user
            users = list(self._bot_users.values())
        if users:
            return users[-1]
        return User(id=1, is_bot=True, first_name=self.bot_first_name, username=self.bot_username)

    # ------------------------------------------------------------------ updates

    def push_update(self, kind: str, payload: TelegramObject) -> int:
        """Queue an update (``kind`` is the Update field, e.g. "message"); returns its id."""
        body = payload.to_dict()  # slow: outside the lock, which the server's thread needs
        with self.cond:
            update_id = next(self._update_ids)
            self.updates.append((update_id, kind, {"update_id": update_id, kind: body}))
            self.cond.notify_all()
        self.on_update()
        return update_id

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by getUpdates or delivered to the webhook."""
        with self.cond:
            return len(self.updates)

    # ------------------------------------------------------------------ files

    def store_file(
        self,
        data: bytes,
        *,
        filename: str | None = None,
        mime_type: str | None = None,
        folder: str = "documents",
    ) -> StoredFile:
        """Keep bytes under a fresh file_id so getFile + download return them."""
        with self.cond:
            number = next(self._file_ids)
        suffix = ""
        if filename and "." in filename:
            suffix = "." + filename.rsplit(".", 1)[1]
        stored = StoredFile(
            file_id=f"FAKE{number}-{uuid.uuid4().hex}",
            file_unique_id=f"U{number}",
            file_path=f"{folder}/file_{number}{suffix}",
            data=data,
            filename=filename,
            mime_type=mime_type,
        )
        with self.cond:
            self.files[stored.file_id] = stored
            self.files_by_path[stored.file_path] = stored
        return stored

    def file(self, file_id: str) -> StoredFile:
        """A stored file by id (raises KeyError if unknown)."""
        with self.cond:
            return self.files[file_id]

    # ------------------------------------------------------------------ callback queries

    def new_callback_query(
        self, user_id: int, chat_id: int | None, message_id: int | None, data: str | None
    ) -> str:
        """Register a callback query id the bot must answer exactly once."""
        with self.cond:
            query_id = f"{next(self._callback_ids)}{uuid.uuid4().int % 10**9}"
            self.callbacks[query_id] = CallbackQueryRecord(
                query_id, user_id, chat_id, message_id, data
            )
        return query_id

    def age_callback_query(self, query_id: str, seconds: float) -> None:
        """Make a tap look ``seconds`` older (to reach ``callback_query_max_age``)."""
        with self.cond:
            self.callbacks[query_id].created_at -= seconds

    def callback_query(self, query_id: str) -> CallbackQueryRecord:
        """The record of a tap (raises KeyError if unknown)."""
        with self.cond:
            return self.callbacks[query_id]

    # ------------------------------------------------------------------ inspection and waits

    def messages(self, chat_id: int) -> list[BotMessage]:
        """All bot messages in a chat, oldest first (deleted ones included, flagged)."""
        with self.cond:
            state = self.chats.get(chat_id)
            return list(state.messages.values()) if state else []

    def message(self, chat_id: int, message_id: int) -> BotMessage:
        """One bot message in its current state (raises KeyError if unknown)."""
        with self.cond:
            return self.chats[chat_id].messages[message_id]

    def events(self, chat_id: int, start: int = 0) -> list[BotEvent]:
        """Bot output in a chat (messages and edits) from index ``start``."""
        with self.cond:
            state = self.chats.get(chat_id)
            return state.events[start:] if state else []

    def event_count(self, chat_id: int) -> int:
        """How many output events a chat has had (a cursor for ``wait_event``)."""
        with self.cond:
            state = self.chats.get(chat_id)
            return len(state.events) if state else 0

    def wait_event(
        self,
        chat_id: int,
        start: int,
        match: Callable[[BotEvent], bool],
        timeout: float,
        what: str = "a matching bot message",
    ) -> tuple[int, BotEvent]:
        """Wait for the first event at index >= ``start`` that matches; return (index, event)."""

        def find() -> tuple[int, BotEvent] | None:
            state = self.chats.get(chat_id)
            if state is None:
                return None
            events = state.events
            for index in range(start, len(events)):
                if match(events[index]):
                    return index, events[index]
            return None

        def received() -> str:
            lines = [
                f"  [{e.kind}] #{e.message_id}: {e.text!r}" for e in self.events(chat_id, start)
            ]
            return "\n".join(lines[-20:]) or "  (nothing)"

        return wait_for(self.cond, find, timeout, lambda: f"{what} in chat {chat_id}", received)

    def wait_until(
        self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
    ) -> None:
        """Block until ``predicate()`` (evaluated under the lock) is true, e.g. a sent count."""
        wait_for(
            self.cond,
            lambda: True if predicate() else None,
            timeout,
            lambda: what,
            lambda: f"  sent_count={self.sent_count}, count_429={self.count_429}",
        )

    async def wait_until_async(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - twin of the sync wait
        what: str = "condition",
    ) -> None:
        """``wait_until`` without blocking the caller's event loop."""
        await asyncio.to_thread(self.wait_until, predicate, timeout, what)

    def wait_callback_answered(self, query_id: str, timeout: float = 10.0) -> CallbackQueryRecord:
        """Block until the bot answered the callback query; returns its record."""

        def find() -> CallbackQueryRecord | None:
            record = self.callbacks.get(query_id)
            return record if record is not None and record.answered else None

        return wait_for(
            self.cond,
            find,
            timeout,
            lambda: f"answerCallbackQuery for {query_id}",
            lambda: "  recent calls: " + ", ".join(c.method for c in list(self.calls)[-15:]),
        )
