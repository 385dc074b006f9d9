"""The outbox's lane to Telegram: `scheduler.sender.Sender` over the Bot API's HTTP.

Outbox sends do not share python-telegram-bot's `Application.bot` with the
replies to people: that bot's rate limiter would make a /help wait behind a
broadcast, and a 429 during a broadcast would freeze every reply. This lane
has its own HTTP client, paced by `scheduler.pacing`, and reads Telegram's
answer itself, because what matters is whether a failed send may have
reached Telegram:

- 200 → sent;
- 429 → retry after `retry_after` (surely not sent);
- connection refused or timed out (or no pooled connection free in time), 502,
  503, 504 → retry with back-off (surely not sent; Telegram is failing);
- read timeout, connection lost once connected (writing the request or
  waiting for the answer: the client cannot tell which), 500 and other 5xx →
  unknown (may have been sent: never resent automatically);
- 400 with `migrate_to_chat_id` (the group became a supergroup) → retry in the
  new chat;
- 403, or 400 "chat not found", "user is deactivated" … → blocked;
- any other 400 → failed.

A message with a `photo` (a file_id Telegram already has) goes out with
sendPhoto, its text as the caption; a `paid` one with `allow_paid_broadcast`.
The token is in every URL: no error text recorded here ever contains it.

`AiohttpRequest` gives the Application's own bot (replies to people) the same
kind of client: python-telegram-bot's default, httpx, costs several times
aiohttp's CPU a request, and a self-test tap makes two requests.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from scheduler.pacing import request_going
from scheduler.sender import Outcome, OutgoingMessage, SendResult

GONE = ("chat not found", "user is deactivated", "bot was kicked", "peer_id_invalid")
SURELY_NOT_SENT_STATUS = (502, 503, 504)
READ_TIMEOUT = 30.0  # Telegram may take several seconds to answer under load
CONNECT_TIMEOUT = 10.0
JSON_HEADERS = {"Content-Type": "application/json"}


def reply_markup(message: OutgoingMessage) -> dict[str, Any] | None:
    if not message.buttons:
        return None
    return {
        "inline_keyboard": [
            [{"text": text, "callback_data": data} for text, data in row] for row in message.buttons
        ]
    }


def request_for(message: OutgoingMessage) -> tuple[str, dict[str, Any]]:
    """The Bot API method and its parameters for one outbox message."""
    params: dict[str, Any] = {"chat_id": message.chat_id, "parse_mode": "HTML"}
    markup = reply_markup(message)
    if markup is not None:
        params["reply_markup"] = markup
    if message.paid:
        params["allow_paid_broadcast"] = True
    if message.photo is not None:
        params["photo"] = message.photo
        if message.text:
            params["caption"] = message.text
        return "sendPhoto", params
    params["text"] = message.text
    return "sendMessage", params


def outcome_of(status: int, body: bytes) -> SendResult:
    """Map the Bot API's HTTP answer to what the dispatcher records."""
    try:
        answer = json.loads(body)
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    description = str(answer.get("description") or f"HTTP {status}")[:200]
    if 200 <= status < 300 and answer.get("ok"):
        result = answer.get("result")
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return SendResult(
            Outcome.SENT, message_id=message_id if isinstance(message_id, int) else None
        )
    parameters = answer.get("parameters")
    retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
    migrated = parameters.get("migrate_to_chat_id") if isinstance(parameters, dict) else None
    if isinstance(migrated, int) and not isinstance(migrated, bool):
        return SendResult(Outcome.RETRY, error=description, migrated_to=migrated)
    if status == 429:
        wait = float(retry_after) if isinstance(retry_after, int | float) else None
        return SendResult(Outcome.RETRY, retry_after=wait, error=description)
    if status == 403:
        return SendResult(Outcome.BLOCKED, error=description)
    if status == 400:
        gone = any(marker in description.lower() for marker in GONE)
        return SendResult(Outcome.BLOCKED if gone else Outcome.FAILED, error=description)
    if status in SURELY_NOT_SENT_STATUS:
        return SendResult(Outcome.RETRY, error=description, failing=True)
    if status in (401, 404):  # the token was refused: nothing was sent, nothing will be
        return SendResult(Outcome.RETRY, error=description, failing=True)
    if status >= 500:
        return SendResult(Outcome.UNKNOWN, error=description, failing=True)
    return SendResult(Outcome.FAILED, error=description)


class BotApiSender:
    """Send outbox messages as the bot; never raises, always reports an outcome.

    One aiohttp session (a keep-alive pool of `connections`) posts each message
    as JSON serialised once, and reads the answer as bytes: no `telegram.Message`
    is built from an answer nobody reads. At paid-broadcast rates this lane's CPU
    per message is what limits one process, and httpx's connection pool costs
    several times aiohttp's per request (see docs/benchmarks.md).

    The session is made on the first send, inside the running event loop; call
    `close()` when done (the Application's shutdown does).
    """

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        read_timeout: float = READ_TIMEOUT,
        connect_timeout: float = CONNECT_TIMEOUT,
        connections: int = 32,
    ) -> None:
        self._base = f"{api_url.rstrip('/')}/bot{token}/"
        self._token = token
        # `connect` also bounds the wait for a free connection of the pool: either
        # way nothing has been written yet when it runs out.
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=connect_timeout, sock_read=read_timeout
        )
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = client_session(self._connections, self._timeout)
        return self._session

    def _safe(self, text: str) -> str:
        return text.replace(self._token, "<token>")[:200]

    def _error(self, verdict: str, exc: BaseException) -> str:
        return self._safe(f"{verdict}: {type(exc).__name__}: {exc}")

    async def send(self, message: OutgoingMessage) -> SendResult:
        method, params = request_for(message)
        body = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            with request_going():
                async with self._client().post(
                    self._base + method, data=body, headers=JSON_HEADERS
                ) as response:
                    answer = await response.read()
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            # No connection (refused, unreachable, none free in time): nothing went out.
            return SendResult(Outcome.RETRY, error=self._error("not sent", exc), failing=True)
        except aiohttp.InvalidURL as exc:
            return SendResult(Outcome.RETRY, error=self._error("not sent", exc), failing=True)
        except (aiohttp.ClientError, TimeoutError) as exc:
            # Read timeout, connection lost once the request was written: it may have
            # arrived, and a duplicate is worse than a gap.
            return SendResult(
                Outcome.UNKNOWN, error=self._error("may have been sent", exc), failing=True
            )
        return outcome_of(response.status, answer)


def client_session(connections: int, timeout: aiohttp.ClientTimeout) -> aiohttp.ClientSession:
    """One keep-alive pool of `connections` to the Bot API (make it inside the event loop)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections), timeout=timeout)


class AiohttpRequest(BaseRequest):
    """python-telegram-bot's HTTP layer on one aiohttp session, for the Application's bot.

    Plain calls go as one JSON body (what `BotApiSender` sends), uploads as multipart.
    As `HTTPXRequest`: a timeout raises `TimedOut`, anything else of the transport
    `NetworkError`; the answer's status and bytes go back to PTB, which reads them as
    it always does. There is no separate write timeout: the read timeout counts from
    when the request has been written, and a connection (free in the pool, or a new
    one) must come within the connect timeout.
    """

    def __init__(
        self,
        *,
        connections: int = 256,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
    ) -> None:
        self._connections = connections
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(
                total=None, connect=self._connect_timeout, sock_read=self._read_timeout
            )
            self._session = client_session(self._connections, timeout)

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=self._connect_timeout
            if isinstance(connect_timeout, DefaultValue)
            else connect_timeout,
            sock_read=self._read_timeout
            if isinstance(read_timeout, DefaultValue)
            else read_timeout,
        )
        headers = {"User-Agent": self.USER_AGENT}
        data: aiohttp.FormData | bytes | None = None
        if request_data is not None and request_data.contains_files:
            data = aiohttp.FormData(quote_fields=False)
            for name, value in request_data.json_parameters.items():
                data.add_field(name, value)
            for name, (filename, content, mime) in request_data.multipart_data.items():
                data.add_field(name, content, filename=filename, content_type=mime)
        elif request_data is not None:
            data = request_data.json_payload
            headers["Content-Type"] = "application/json"
        try:
            with request_going():
                async with self._session.request(
                    method, url, data=data, headers=headers, timeout=timeout
                ) as response:
                    return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
