"""A fake Telegram Bot API over real HTTP on loopback, for end-to-end tests and sandbox mode.

The real bot (PTB ``Application``, in-process or as a ``hipcoach run`` subprocess)
talks to it exactly as to ``api.telegram.org``::

    api = FakeBotApi().start()
    app = ApplicationBuilder().token(TOKEN).base_url(api.base_url)
          .base_file_url(api.base_file_url).build()

It runs in its own thread with its own event loop, so sync tests (bot in a
subprocess) and async tests (bot in the pytest loop) use it the same way. Every
test-facing method is thread-safe: state lives behind one ``threading.Condition``
that is notified on each change, so waits are on conditions, never on sleeps.
Responses are built with PTB's own types (``telegram.Message(...).to_dict()``),
so they are shaped like Telegram's; errors carry Telegram's wording and status.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import re
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal, TypeVar

import aiohttp
from aiohttp import web
from telegram import (
    AcceptedGiftTypes,
    BotCommand,
    Chat,
    ChatFullInfo,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberUpdated,
    Document,
    File,
    Message,
    PhotoSize,
    TelegramObject,
    Update,
    User,
    WebhookInfo,
)

from fakeapi.html_check import HtmlParseError, parse_html
from fakeapi.params import Params, Upload, read_params
from fakeapi.records import (
    ApiCall,
    ApiError,
    BotEvent,
    BotMessage,
    CallbackQueryRecord,
    Edit,
    StoredFile,
)

T = TypeVar("T")
TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
SEND_METHODS = frozenset({"sendmessage", "sendphoto", "senddocument"})
MAX_TEXT = 4096
MAX_CAPTION = 1024
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


class WaitTimeout(AssertionError, TimeoutError):
    """A wait ran out; the message lists what *was* received. Catch as either base."""


@dataclass(slots=True)
class ChatState:
    """Everything the fake knows about one chat."""

    chat: Chat
    next_message_id: int = 1
    messages: dict[int, BotMessage] = field(default_factory=dict)
    events: list[BotEvent] = field(default_factory=list)
    user_message_ids: set[int] = field(default_factory=set)
    chat_dict: dict[str, Any] | None = None


@dataclass(slots=True)
class _Injected:
    """An error queued by ``fail_next``."""

    error: ApiError
    remaining: int


class FakeBotApi:
    """An in-memory Telegram Bot API served over HTTP on 127.0.0.1.

    Failure injection: put user ids into ``blocked_user_ids`` (sends get 403), set
    ``max_per_second`` (global sliding one-second window, over it → 429), or queue
    errors with ``fail_next``. Set ``strict_chats`` to answer "chat not found" for
    chats nobody introduced; by default an unknown positive id is taken as a
    private chat, so broadcast benchmarks need not create 100,000 users first.
    ``record_messages=False`` keeps only counters (for benchmarks).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_first_name: str = "Hip Coach",
        bot_username: str = "hipcoach_bot",
        record_messages: bool = True,
        strict_chats: bool = False,
        call_log_size: int = 1000,
    ) -> None:
        self.host = host
        self._requested_port = port
        self.bot_first_name = bot_first_name
        self.bot_username = bot_username
        self.record_messages = record_messages
        self.strict_chats = strict_chats
        self.blocked_user_ids: set[int] = set()
        self.max_per_second: float | None = None
        self.sent_count = 0
        self.count_429 = 0
        self.calls: deque[ApiCall] = deque(maxlen=call_log_size)
        self.bot_settings: dict[str, Any] = {}

        self._cond = threading.Condition(threading.RLock())
        self._chats: dict[int, ChatState] = {}
        self._updates: deque[tuple[int, str, dict[str, Any]]] = deque()
        self._update_ids = itertools.count(1)
        self._allowed_updates: list[str] | None = None
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_ids = itertools.count(1)
        self._callbacks: dict[str, CallbackQueryRecord] = {}
        self._callback_ids = itertools.count(1)
        self._injected: dict[str, deque[_Injected]] = {}
        self._send_times: deque[float] = deque()
        self._bot_users: dict[str, User] = {}
        self._webhook_url: str | None = None
        self._webhook_secret: str | None = None
        self._webhook_max_connections = 40
        self._webhook_last_error: tuple[int, str] | None = None
        self.webhook_deliveries = 0
        self.waiting_polls = 0
        self._bot_dicts: dict[int, tuple[User, dict[str, Any]]] = {}

        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._updates_event: asyncio.Event | None = None
        self._webhook_event: asyncio.Event | None = None
        self._closing = False
        self._port = 0
        self._methods: dict[str, Callable[[Params, User], Any]] = {
            "getme": lambda p, me: me.to_dict(),
            "sendmessage": self._send_message,
            "sendphoto": self._send_photo,
            "senddocument": self._send_document,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "getfile": self._get_file,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendchataction": self._send_chat_action,
            "getchat": self._get_chat,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "close": lambda p, me: True,
            "logout": lambda p, me: True,
        }
        for name in ("description", "short_description", "name"):
            self._methods[f"setmy{name.replace('_', '')}"] = self._setter(name)
            self._methods[f"getmy{name.replace('_', '')}"] = self._getter(name)
        for method in ("setchatmenubutton", "setmydefaultadministratorrights"):
            self._methods[method] = self._accept(method)
        self._methods["getchatmenubutton"] = lambda p, me: {"type": "default"}

    # ------------------------------------------------------------------ lifecycle

    @property
    def port(self) -> int:
        """The bound TCP port (known after ``start``)."""
        return self._port

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT``, the server root."""
        return f"http://{self.host}:{self._port}"

    @property
    def base_url(self) -> str:
        """What to give PTB's ``ApplicationBuilder.base_url`` (PTB appends the token)."""
        return f"{self.root_url}/bot"

    @property
    def base_file_url(self) -> str:
        """What to give PTB's ``ApplicationBuilder.base_file_url``."""
        return f"{self.root_url}/file/bot"

    def start(self) -> FakeBotApi:
        """Bind and serve in a background thread; returns self once it accepts connections."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        failure: list[BaseException] = []
        self._loop = asyncio.new_event_loop()
        self._closing = False

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            try:
                self._loop.run_until_complete(self._startup())
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                ready.set()
                self._loop.close()
                return
            ready.set()
            self._loop.run_forever()
            self._loop.close()

        self._thread = threading.Thread(target=run, name="FakeBotApi", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise WaitTimeout("FakeBotApi did not start within 10 s")
        if failure:
            self._thread = None
            raise failure[0]
        return self

    def stop(self) -> None:
        """Answer pending long polls, stop serving and join the thread."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
        try:
            future.result(10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            self._thread = None

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def _startup(self) -> None:
        self._updates_event = asyncio.Event()
        self._webhook_event = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._requested_port))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock, backlog=1024).start()
        self._session = aiohttp.ClientSession()

    async def _shutdown(self) -> None:
        self._closing = True
        self._wake()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def _wake(self) -> None:
        """Runs in the server loop: let long polls and the webhook sender look again."""
        if self._updates_event is not None:
            self._updates_event.set()
        if self._webhook_event is not None:
            self._webhook_event.set()

    def _wake_threadsafe(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._wake)

    # ------------------------------------------------------------------ HTTP

    async def _handle_method(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        name = method.lower()
        params = Params({})
        try:
            if not TOKEN_RE.match(token):
                raise ApiError(401, "Unauthorized")
            params = await read_params(request)
            result = await self._call(name, params, self._bot_user(token))
            self._log(method, params, None)
            return web.json_response({"ok": True, "result": result})
        except ApiError as error:
            self._log(method, params, error.error_code)
            if error.error_code == 429:
                with self._cond:
                    self.count_429 += 1
            return web.json_response(error.payload(), status=error.error_code)

    async def _call(self, name: str, params: Params, me: User) -> Any:
        self._raise_injected(name)
        if name == "getupdates":
            return await self._get_updates(params)
        handler = self._methods.get(name)
        if handler is None:
            raise ApiError(404, "Not Found")
        return handler(params, me)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if not TOKEN_RE.match(request.match_info["token"]):
            return web.json_response(ApiError(401, "Unauthorized").payload(), status=401)
        with self._cond:
            stored = self._files_by_path.get(request.match_info["file_path"])
        if stored is None:
            return web.json_response(ApiError(404, "Not Found").payload(), status=404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    def _log(self, method: str, params: Params, error_code: int | None) -> None:
        values = dict(params.values)
        for key, upload in params.uploads.items():
            values[key] = f"<upload {upload.filename!r}, {len(upload.data)} bytes>"
        with self._cond:
            self.calls.append(ApiCall(method, values, error_code))

    def _bot_user(self, token: str) -> User:
        user = self._bot_users.get(token)
        if user is None:
            user = User(
                id=int(token.split(":", 1)[0]),
                is_bot=True,
                first_name=self.bot_first_name,
                username=self.bot_username,
                can_join_groups=True,
                can_read_all_group_messages=False,
                supports_inline_queries=False,
            )
            self._bot_users[token] = user
        return user

    # ------------------------------------------------------------------ failure injection

    def fail_next(
        self,
        method: str,
        count: int = 1,
        error_code: int = 429,
        retry_after: int = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next ``count`` calls of ``method`` with an error instead of running them."""
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                403: "Forbidden: bot was blocked by the user",
                400: "Bad Request: injected failure",
                502: "Bad Gateway",
            }.get(error_code, f"Injected error {error_code}")
        error = ApiError(error_code, description, retry_after if error_code == 429 else None)
        with self._cond:
            self._injected.setdefault(method.lower(), deque()).append(_Injected(error, count))

    def _raise_injected(self, name: str) -> None:
        with self._cond:
            queue = self._injected.get(name)
            if not queue:
                return
            head = queue[0]
            head.remaining -= 1
            if head.remaining <= 0:
                queue.popleft()
            raise head.error

    def _check_can_send(self, chat_id: int, *, counts: bool) -> None:
        """Blocked users and the global flood limit; call with the lock held."""
        if chat_id in self.blocked_user_ids:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        limit = self.max_per_second
        if not counts or limit is None:
            return
        now = time.monotonic()
        window = self._send_times
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= limit:
            retry_after = max(1, math.ceil(window[0] + 1.0 - now))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        window.append(now)

    # ------------------------------------------------------------------ chats, updates, files

    def register_chat(self, chat: Chat) -> None:
        """Make a chat known (FakeUser does this for its private chat)."""
        with self._cond:
            state = self._chats.get(chat.id)
            if state is None:
                self._chats[chat.id] = ChatState(chat)
            else:
                state.chat, state.chat_dict = chat, None

    def _chat_state(self, chat_id: int) -> ChatState:
        """The chat's state; call with the lock held."""
        state = self._chats.get(chat_id)
        if state is None:
            if self.strict_chats or chat_id <= 0:
                raise ApiError(400, "Bad Request: chat not found")
            chat = Chat(id=chat_id, type=Chat.PRIVATE, first_name=f"User {chat_id}")
            state = self._chats[chat_id] = ChatState(chat)
        return state

    def chat(self, chat_id: int) -> Chat:
        """The ``telegram.Chat`` for a known chat id."""
        with self._cond:
            return self._chat_state(chat_id).chat

    def new_message_id(self, chat_id: int, *, from_user: bool = True) -> int:
        """Allocate the next message id in a chat (ids are per chat, shared by both sides)."""
        with self._cond:
            state = self._chat_state(chat_id)
            message_id = state.next_message_id
            state.next_message_id += 1
            if from_user:
                state.user_message_ids.add(message_id)
            return message_id

    def push_update(self, kind: str, payload: TelegramObject) -> int:
        """Queue an update (``kind`` is the Update field, e.g. "message"); returns its id."""
        with self._cond:
            update_id = next(self._update_ids)
            update = Update(update_id, **{kind: payload})  # type: ignore[arg-type]
            self._updates.append((update_id, kind, update.to_dict()))
            self._cond.notify_all()
        self._wake_threadsafe()
        return update_id

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by getUpdates or delivered to the webhook."""
        with self._cond:
            return len(self._updates)

    def store_file(
        self,
        data: bytes,
        *,
        filename: str | None = None,
        mime_type: str | None = None,
        folder: str = "documents",
    ) -> StoredFile:
        """Keep bytes under a fresh file_id so getFile + download return them."""
        with self._cond:
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
        with self._cond:
            self._files[stored.file_id] = stored
            self._files_by_path[stored.file_path] = stored
        return stored

    def file(self, file_id: str) -> StoredFile:
        """A stored file by id (raises KeyError if unknown)."""
        with self._cond:
            return self._files[file_id]

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
            date=_now(),
            old_chat_member=ChatMemberLeft(user=bot_user),
            new_chat_member=ChatMemberMember(user=bot_user),
        )
        return self.push_update("my_chat_member", change)

    def bot_user(self, token: str | None = None) -> User:
        """The bot as a ``telegram.User``: for ``token``, else the last token seen."""
        if token is not None:
            return self._bot_user(token)
        with self._cond:
            users = list(self._bot_users.values())
        if users:
            return users[-1]
        return User(id=1, is_bot=True, first_name=self.bot_first_name, username=self.bot_username)

    # ------------------------------------------------------------------ callback queries

    def new_callback_query(
        self, user_id: int, chat_id: int | None, message_id: int | None, data: str | None
    ) -> str:
        """Register a callback query id the bot must answer exactly once."""
        with self._cond:
            query_id = f"{next(self._callback_ids)}{uuid.uuid4().int % 10**9}"
            self._callbacks[query_id] = CallbackQueryRecord(
                query_id, user_id, chat_id, message_id, data
            )
        return query_id

    def callback_query(self, query_id: str) -> CallbackQueryRecord:
        """The record of a tap (raises KeyError if unknown)."""
        with self._cond:
            return self._callbacks[query_id]

    # ------------------------------------------------------------------ inspection and waits

    def messages(self, chat_id: int) -> list[BotMessage]:
        """All bot messages in a chat, oldest first (deleted ones included, flagged)."""
        with self._cond:
            state = self._chats.get(chat_id)
            return list(state.messages.values()) if state else []

    def message(self, chat_id: int, message_id: int) -> BotMessage:
        """One bot message in its current state (raises KeyError if unknown)."""
        with self._cond:
            return self._chats[chat_id].messages[message_id]

    def events(self, chat_id: int, start: int = 0) -> list[BotEvent]:
        """Bot output in a chat (messages and edits) from index ``start``."""
        with self._cond:
            state = self._chats.get(chat_id)
            return state.events[start:] if state else []

    def event_count(self, chat_id: int) -> int:
        """How many output events a chat has had (a cursor for ``wait_event``)."""
        with self._cond:
            state = self._chats.get(chat_id)
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
            state = self._chats.get(chat_id)
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

        return self._wait(find, timeout, lambda: f"{what} in chat {chat_id}", received)

    def wait_until(
        self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
    ) -> None:
        """Block until ``predicate()`` (evaluated under the lock) is true, e.g. a sent count."""
        self._wait(
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
            record = self._callbacks.get(query_id)
            return record if record is not None and record.answered else None

        return self._wait(
            find,
            timeout,
            lambda: f"answerCallbackQuery for {query_id}",
            lambda: "  recent calls: " + ", ".join(c.method for c in list(self.calls)[-15:]),
        )

    def _wait(
        self,
        find: Callable[[], T | None],
        timeout: float,
        what: Callable[[], str],
        received: Callable[[], str],
    ) -> T:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = find()
                if found is not None:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WaitTimeout(
                        f"timed out after {timeout} s waiting for {what()}; received:\n{received()}"
                    )
                self._cond.wait(remaining)

    def run_coroutine(self, coro: Awaitable[T], timeout: float = 10.0) -> T:
        """Run a coroutine on the server loop (for helpers that need it) and return its result."""
        assert self._loop is not None, "FakeBotApi is not started"

        async def wrapper() -> T:
            return await coro

        return asyncio.run_coroutine_threadsafe(wrapper(), self._loop).result(timeout)

    # ------------------------------------------------------------------ getUpdates and webhook

    async def _get_updates(self, params: Params) -> list[dict[str, Any]]:
        with self._cond:
            if self._webhook_url is not None:
                raise ApiError(409, WEBHOOK_CONFLICT)
        offset = params.integer("offset")
        limit = min(max(params.integer("limit", 100) or 100, 1), 100)
        timeout = max(params.number("timeout", 0.0), 0.0)
        allowed = params.structured("allowed_updates")
        if allowed is not None:
            with self._cond:
                self._allowed_updates = list(allowed) or None
        event = self._updates_event
        assert event is not None
        deadline = time.monotonic() + timeout
        while True:
            event.clear()
            batch = self._take_updates(offset, limit)
            if batch or self._closing:
                return batch
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            with self._cond:
                self.waiting_polls += 1
                self._cond.notify_all()
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), remaining)
            finally:
                with self._cond:
                    self.waiting_polls -= 1

    def _take_updates(self, offset: int | None, limit: int) -> list[dict[str, Any]]:
        with self._cond:
            queue = self._updates
            if offset is not None:
                if offset < 0:
                    while len(queue) > -offset:
                        queue.popleft()
                else:
                    while queue and queue[0][0] < offset:
                        queue.popleft()
            allowed = self._allowed_updates
            if allowed is not None:
                kept = [item for item in queue if item[1] in allowed]
                if len(kept) != len(queue):
                    queue.clear()
                    queue.extend(kept)
            return [item[2] for item in itertools.islice(queue, limit)]

    def _set_webhook(self, params: Params, me: User) -> bool:
        url = params.string("url") or ""
        secret = params.string("secret_token")
        if secret is not None and not SECRET_RE.match(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if url and not url.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        allowed = params.structured("allowed_updates")
        with self._cond:
            if params.flag("drop_pending_updates"):
                self._updates.clear()
            if allowed is not None:
                self._allowed_updates = list(allowed) or None
            self._webhook_url = url or None
            self._webhook_secret = secret if url else None
            self._webhook_max_connections = params.integer("max_connections", 40) or 40
            self._webhook_last_error = None
        if url and (self._webhook_task is None or self._webhook_task.done()):
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver_webhook())
        self._wake()
        return True

    def _delete_webhook(self, params: Params, me: User) -> bool:
        with self._cond:
            if params.flag("drop_pending_updates"):
                self._updates.clear()
            self._webhook_url = None
            self._webhook_secret = None
        self._wake()
        return True

    def _get_webhook_info(self, params: Params, me: User) -> dict[str, Any]:
        with self._cond:
            error = self._webhook_last_error
            info = WebhookInfo(
                url=self._webhook_url or "",
                has_custom_certificate=False,
                pending_update_count=len(self._updates),
                last_error_date=datetime.fromtimestamp(error[0], UTC) if error else None,
                last_error_message=error[1] if error else None,
                max_connections=self._webhook_max_connections if self._webhook_url else None,
                allowed_updates=self._allowed_updates,
            )
        return info.to_dict()

    async def _deliver_webhook(self) -> None:
        """POST queued updates in order to the webhook, retrying each until it gets a 2xx."""
        event = self._webhook_event
        assert event is not None and self._session is not None
        backoff = 0.05
        while not self._closing:
            event.clear()
            with self._cond:
                url, secret = self._webhook_url, self._webhook_secret
                head = self._updates[0] if self._updates else None
            if url is None:
                return
            if head is None:
                await event.wait()
                continue
            headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
            try:
                async with self._session.post(
                    url, json=head[2], headers=headers, timeout=aiohttp.ClientTimeout(total=5)
                ) as response:
                    status = response.status
                    await response.read()
                error = (
                    None if 200 <= status < 300 else f"Wrong response from the webhook: {status}"
                )
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = f"Connection failed: {exc!r}"
            with self._cond:
                if error is None:
                    if self._updates and self._updates[0] is head:
                        self._updates.popleft()
                    self.webhook_deliveries += 1
                    self._cond.notify_all()
                else:
                    self._webhook_last_error = (int(time.time()), error)
            if error is None:
                backoff = 0.05
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), backoff)
            backoff = min(backoff * 2, 1.0)

    # ------------------------------------------------------------------ sending

    def _render(self, text: str, parse_mode: str | None, *, limit: int, empty: str) -> str:
        """What the user sees for ``text``; raises Telegram's errors for bad input."""
        if not text:
            raise ApiError(400, empty)
        plain = text
        if parse_mode and parse_mode.lower() == "html":
            try:
                plain = parse_html(text)
            except HtmlParseError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        elif parse_mode and parse_mode.lower() not in ("markdown", "markdownv2"):
            raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r}")
        if not plain.strip():
            raise ApiError(400, empty)
        if len(plain.encode("utf-16-le")) // 2 > limit:
            what = "caption" if limit == MAX_CAPTION else "text"
            raise ApiError(400, f"Bad Request: message {what} is too long")
        return plain

    def _record_send(
        self,
        params: Params,
        me: User,
        kind: Literal["text", "photo", "document"],
        text: str | None,
        file: StoredFile | None,
    ) -> dict[str, Any]:
        chat_id = params.required_integer("chat_id")
        parse_mode = params.string("parse_mode")
        plain = None
        if text is not None:
            if kind == "text":
                plain = self._render(
                    text, parse_mode, limit=MAX_TEXT, empty="Bad Request: message text is empty"
                )
            elif text:
                plain = self._render(text, parse_mode, limit=MAX_CAPTION, empty="")
        markup = params.structured("reply_markup")
        with self._cond:
            state = self._chat_state(chat_id)
            self._check_can_send(chat_id, counts=True)
            message_id = state.next_message_id
            state.next_message_id += 1
            message = BotMessage(
                chat_id, message_id, int(time.time()), kind, plain, text, parse_mode, markup, file
            )
            if self.record_messages:
                state.messages[message_id] = message
                state.events.append(BotEvent("message", message, plain, markup))
            self.sent_count += 1
            self._cond.notify_all()
            chat = state.chat
        return self._message_dict(message, chat, me)

    def _message_dict(
        self, message: BotMessage, chat: Chat, me: User, edited: bool = False
    ) -> dict[str, Any]:
        """Telegram's view of a bot message.

        Equal to ``telegram.Message(...).to_dict()`` (a test pins that), but composed
        from cached ``Chat``/``User`` dicts: the full PTB round trip costs ~100 µs a
        message, too much for the 100,000-recipient broadcast benchmark.
        """
        result: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": self._chat_dict(chat),
            "from": self._bot_dict(me),
        }
        if edited:
            result["edit_date"] = int(time.time())
        file = message.file
        if message.kind == "text":
            result["text"] = message.text
        elif message.text is not None:
            result["caption"] = message.text
        if file is not None and message.kind == "document":
            result["document"] = Document(
                file.file_id,
                file.file_unique_id,
                file_name=file.filename,
                mime_type=file.mime_type,
                file_size=len(file.data),
            ).to_dict()
        elif file is not None:
            size = len(file.data)
            result["photo"] = [
                PhotoSize(file.file_id, file.file_unique_id, 1, 1, file_size=size).to_dict()
            ]
        markup = message.reply_markup
        if markup and "inline_keyboard" in markup:
            result["reply_markup"] = markup
        return result

    def _chat_dict(self, chat: Chat) -> dict[str, Any]:
        """``chat.to_dict()``, cached on the chat's state."""
        with self._cond:
            state = self._chats.get(chat.id)
            if state is None or state.chat is not chat:
                return chat.to_dict()
            if state.chat_dict is None:
                state.chat_dict = chat.to_dict()
            return state.chat_dict

    def _bot_dict(self, me: User) -> dict[str, Any]:
        """``me.to_dict()``, cached per bot user."""
        cached = self._bot_dicts.get(me.id)
        if cached is None or cached[0] is not me:
            cached = self._bot_dicts[me.id] = (me, me.to_dict())
        return cached[1]

    def message_as_ptb(self, message: BotMessage, token: str | None = None) -> Message:
        """A bot message as ``telegram.Message`` (e.g. to compare with what PTB returned)."""
        with self._cond:
            chat = self._chat_state(message.chat_id).chat
        return Message.de_json(self._message_dict(message, chat, self.bot_user(token)), None)

    def _send_message(self, params: Params, me: User) -> dict[str, Any]:
        return self._record_send(params, me, "text", params.string("text") or "", None)

    def _send_photo(self, params: Params, me: User) -> dict[str, Any]:
        return self._send_media(params, me, "photo")

    def _send_document(self, params: Params, me: User) -> dict[str, Any]:
        return self._send_media(params, me, "document")

    def _send_media(
        self, params: Params, me: User, kind: Literal["photo", "document"]
    ) -> dict[str, Any]:
        upload: Upload | None = params.uploads.get(kind)
        if upload is not None:
            mime = upload.content_type
            if mime in (None, "application/octet-stream") and kind == "photo":
                mime = "image/jpeg"
            file = self.store_file(
                upload.data, filename=upload.filename, mime_type=mime, folder=f"{kind}s"
            )
        else:
            reference = params.string(kind)
            if not reference:
                raise ApiError(400, f"Bad Request: there is no {kind} in the request")
            with self._cond:
                known = self._files.get(reference)
            if known is None:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            file = known
        return self._record_send(params, me, kind, params.string("caption"), file)

    def _send_chat_action(self, params: Params, me: User) -> bool:
        chat_id = params.required_integer("chat_id")
        params.required_string("action")
        with self._cond:
            self._chat_state(chat_id)
            self._check_can_send(chat_id, counts=False)
        return True

    # ------------------------------------------------------------------ editing

    def _editable(self, params: Params, what: str = "edit") -> tuple[ChatState, BotMessage]:
        """The message an edit/delete call targets; call with the lock held."""
        if params.has("inline_message_id"):
            raise ApiError(400, "Bad Request: inline messages are not supported by the fake")
        chat_id = params.required_integer("chat_id")
        message_id = params.required_integer("message_id")
        state = self._chats.get(chat_id)
        message = state.messages.get(message_id) if state else None
        if state is None or message is None or message.deleted:
            raise ApiError(400, f"Bad Request: message to {what} not found")
        return state, message

    def _apply_edit(
        self,
        state: ChatState,
        message: BotMessage,
        plain: str | None,
        raw: str | None,
        parse_mode: str | None,
        markup: dict[str, Any] | None,
        me: User,
    ) -> dict[str, Any]:
        """Record an edit unless nothing changes; call with the lock held."""
        if plain == message.text and markup == message.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        message.edits.append(Edit(message.text, message.reply_markup))
        message.text, message.raw_text, message.parse_mode = plain, raw, parse_mode
        message.reply_markup = markup
        state.events.append(BotEvent("edit", message, plain, markup))
        self._cond.notify_all()
        return self._message_dict(message, state.chat, me, edited=True)

    def _edit_message_text(self, params: Params, me: User) -> dict[str, Any]:
        raw = params.string("text") or ""
        parse_mode = params.string("parse_mode")
        plain = self._render(raw, parse_mode, limit=MAX_TEXT, empty="Bad Request: text is empty")
        markup = params.structured("reply_markup")
        with self._cond:
            state, message = self._editable(params)
            if message.kind != "text":
                raise ApiError(400, "Bad Request: there is no text in the message to edit")
            return self._apply_edit(state, message, plain, raw, parse_mode, markup, me)

    def _edit_message_caption(self, params: Params, me: User) -> dict[str, Any]:
        raw = params.string("caption")
        parse_mode = params.string("parse_mode")
        plain = self._render(raw, parse_mode, limit=MAX_CAPTION, empty="") if raw else None
        markup = params.structured("reply_markup")
        with self._cond:
            state, message = self._editable(params)
            if message.kind == "text":
                raise ApiError(400, "Bad Request: there is no caption in the message to edit")
            return self._apply_edit(state, message, plain, raw, parse_mode, markup, me)

    def _edit_message_reply_markup(self, params: Params, me: User) -> dict[str, Any]:
        markup = params.structured("reply_markup")
        with self._cond:
            state, message = self._editable(params)
            return self._apply_edit(
                state, message, message.text, message.raw_text, message.parse_mode, markup, me
            )

    def _delete_message(self, params: Params, me: User) -> bool:
        with self._cond:
            chat_id = params.required_integer("chat_id")
            message_id = params.required_integer("message_id")
            state = self._chats.get(chat_id)
            if state is not None and message_id in state.user_message_ids:
                state.user_message_ids.discard(message_id)
                return True
            _, message = self._editable(params, "delete")
            message.deleted = True
            self._cond.notify_all()
        return True

    # ------------------------------------------------------------------ the rest

    def _answer_callback_query(self, params: Params, me: User) -> bool:
        query_id = params.required_string("callback_query_id")
        with self._cond:
            record = self._callbacks.get(query_id)
            if record is None or record.answered:
                raise ApiError(400, QUERY_TOO_OLD)
            record.answered = True
            record.answer_text = params.string("text")
            record.show_alert = params.flag("show_alert")
            record.url = params.string("url")
            self._cond.notify_all()
        return True

    def _get_file(self, params: Params, me: User) -> dict[str, Any]:
        file_id = params.required_string("file_id")
        with self._cond:
            stored = self._files.get(file_id)
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return File(
            stored.file_id, stored.file_unique_id, len(stored.data), stored.file_path
        ).to_dict()

    def _get_chat(self, params: Params, me: User) -> dict[str, Any]:
        chat_id = params.required_integer("chat_id")
        with self._cond:
            if chat_id not in self._chats and self.strict_chats:
                raise ApiError(400, "Bad Request: chat not found")
            chat = self._chat_state(chat_id).chat
        gifts = AcceptedGiftTypes(False, False, False, False, False)
        return ChatFullInfo(
            id=chat.id,
            type=chat.type,
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types=gifts,
            title=chat.title,
            username=chat.username,
            first_name=chat.first_name,
            last_name=chat.last_name,
        ).to_dict()

    @staticmethod
    def _settings_key(params: Params) -> str:
        scope = params.structured("scope") or {"type": "default"}
        return f"{scope}|{params.string('language_code') or ''}"

    def _set_my_commands(self, params: Params, me: User) -> bool:
        commands = params.structured("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: commands is empty")
        parsed = [BotCommand(c["command"], c["description"]).to_dict() for c in commands]
        with self._cond:
            self.bot_settings[f"commands|{self._settings_key(params)}"] = parsed
        return True

    def _get_my_commands(self, params: Params, me: User) -> list[dict[str, Any]]:
        with self._cond:
            return list(self.bot_settings.get(f"commands|{self._settings_key(params)}", []))

    def _delete_my_commands(self, params: Params, me: User) -> bool:
        with self._cond:
            self.bot_settings.pop(f"commands|{self._settings_key(params)}", None)
        return True

    def _setter(self, name: str) -> Callable[[Params, User], bool]:
        def setter(params: Params, me: User) -> bool:
            with self._cond:
                key = f"{name}|{params.string('language_code') or ''}"
                self.bot_settings[key] = params.string(name) or ""
            return True

        return setter

    def _getter(self, name: str) -> Callable[[Params, User], dict[str, str]]:
        def getter(params: Params, me: User) -> dict[str, str]:
            with self._cond:
                key = f"{name}|{params.string('language_code') or ''}"
                return {name: self.bot_settings.get(key, "")}

        return getter

    def _accept(self, method: str) -> Callable[[Params, User], bool]:
        def accept(params: Params, me: User) -> bool:
            with self._cond:
                self.bot_settings[method] = dict(params.values)
            return True

        return accept


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
