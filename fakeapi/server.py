"""A fake Telegram Bot API over real HTTP on loopback, for end-to-end tests and sandbox mode.

The real bot (PTB ``Application``, in-process or as a ``hipcoach run`` subprocess)
talks to it exactly as to ``api.telegram.org``::

    api = FakeBotApi().start()
    app = ApplicationBuilder().token(TOKEN).base_url(api.base_url)
          .base_file_url(api.base_file_url).build()

It runs in its own thread with its own event loop, so sync tests (bot in a
subprocess) and async tests (bot in the pytest loop) use it the same way. Every
test-facing method is thread-safe and waits are on a condition, never on sleeps
(see ``chats``). Responses are built with PTB's own types, so they are shaped
like Telegram's; errors carry Telegram's wording and status (see ``methods``).

The parts: ``chats`` (what the fake knows), ``methods`` (the Bot API methods),
``delivery`` (getUpdates and the webhook), ``routes`` (the HTTP app); this module
puts them together and runs them.
"""

from __future__ import annotations

from collections.abc import Awaitable
from types import TracebackType
from typing import TypeVar

from aiohttp import web
from telegram import Message

from fakeapi.background import LoopThread, bind_socket
from fakeapi.chats import ChatState, ChatStore
from fakeapi.delivery import UpdateDelivery
from fakeapi.methods import BotApiMethods
from fakeapi.records import BotMessage
from fakeapi.routes import build_app
from fakeapi.waits import WaitTimeout

__all__ = ["ChatState", "FakeBotApi", "WaitTimeout"]

T = TypeVar("T")


class FakeBotApi(ChatStore):
    """An in-memory Telegram Bot API served over HTTP on 127.0.0.1.

    What it knows and how tests read, feed and wait on it is ``ChatStore``'s API;
    what it refuses, as Telegram refuses it, is listed in ``methods``.
    Failure injection: put user ids into ``blocked_user_ids`` (sends get 403), set
    ``max_per_second`` (global sliding one-second window, over it → 429), turn a
    group into a supergroup with ``migrate_to_supergroup``, or queue errors with
    ``fail_next``. For network faults (refused connections, gateway errors, lost
    answers), put a ``fakeapi.faults.FaultProxy`` in front of it.

    ``strict_webhook=True`` accepts only webhooks Telegram accepts (HTTPS on port
    443, 80, 88 or 8443); by default plain HTTP to any port is let through, so
    tests can run the bot's webhook server on loopback.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_first_name: str = "Hip Coach",
        bot_username: str = "hipcoach_bot",
        record_messages: bool = True,
        strict_chats: bool = True,
        strict_webhook: bool = False,
        call_log_size: int = 1000,
    ) -> None:
        super().__init__(
            bot_first_name=bot_first_name,
            bot_username=bot_username,
            record_messages=record_messages,
            strict_chats=strict_chats,
            call_log_size=call_log_size,
        )
        self.host = host
        self._requested_port = port
        self._port = 0
        self._methods = BotApiMethods(self)
        self._delivery = UpdateDelivery(self, strict_webhook=strict_webhook)
        self._delivery.serve(self._methods)
        self._thread = LoopThread("FakeBotApi")
        self._runner: web.AppRunner | None = None
        self.on_update = lambda: self._thread.call_soon(self._delivery.wake)

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
        self._thread.start(self._startup)
        return self

    def stop(self) -> None:
        """Answer pending long polls, stop serving and join the thread."""
        self._thread.stop(self._shutdown)

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
        await self._delivery.open()
        self._runner = web.AppRunner(
            build_app(self, self._methods),
            access_log=None,
            handler_cancellation=True,
            shutdown_timeout=1.0,
        )
        await self._runner.setup()
        sock = bind_socket(self.host, self._requested_port)
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock, backlog=1024).start()

    async def _shutdown(self) -> None:
        await self._delivery.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def run_coroutine(self, coro: Awaitable[T], timeout: float = 10.0) -> T:
        """Run a coroutine on the server loop (for helpers that need it) and return its result."""
        return self._thread.run(coro, timeout)

    # ------------------------------------------------------------------ Bot API side

    def fail_next(
        self,
        method: str,
        count: int = 1,
        error_code: int = 429,
        retry_after: int = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next ``count`` calls of ``method`` with an error instead of running them."""
        self._methods.fail_next(method, count, error_code, retry_after, description)

    def message_as_ptb(self, message: BotMessage, token: str | None = None) -> Message:
        """A bot message as ``telegram.Message`` (e.g. to compare with what PTB returned)."""
        with self.cond:
            chat = self.chat_state(message.chat_id).chat
        return Message.de_json(
            self._methods.message_dict(message, chat, self.bot_user(token)), None
        )
