"""A fault-injecting HTTP proxy to put between the bot and the (fake) Bot API.

The delivery pipeline must tell "surely not sent" (connection refused, a 502
from the gateway) from "may have been sent" (a read timeout, a 500, a
connection dropped after the request went out), because a duplicate message is
worse than a late one. Those cases happen in the network, not in the Bot API,
so ``FakeBotApi.fail_next`` cannot produce them; this proxy can::

    with FakeBotApi() as api, FaultProxy(api.root_url) as proxy:
        app = ApplicationBuilder().token(TOKEN).base_url(proxy.base_url)
              .base_file_url(proxy.base_file_url).build()
        proxy.set_fault(Fault.status(502).only("sendMessage").times(3))
        ...                                   # three sends see 502, then healthy
        proxy.set_fault(Fault.swallow())      # sends arrive, answers never come
        proxy.wait_until(lambda: proxy.holding == 1)
        proxy.clear()

Like ``FakeBotApi`` it serves from its own thread and event loop, and every
test-facing method is thread-safe; counters change under one
``threading.Condition``, so tests wait on them instead of sleeping.
``set_fault`` and ``clear`` return once the proxy acts on the change (for
``refuse``: once the port is closed), so the next request sees it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
import socket
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from http import HTTPStatus
from types import TracebackType
from typing import Literal

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from fakeapi.background import LoopThread, bind_socket
from fakeapi.records import ApiError
from fakeapi.routes import MAX_REQUEST_BYTES
from fakeapi.waits import wait_for

FaultKind = Literal["status", "status_after_forward", "refuse", "slow", "swallow", "drop"]

FILE_DOWNLOAD = "file"
"""The name downloads (``/file/bot…``) are counted and matched under, as if a method."""

_METHOD_RE = re.compile(r"^/bot[^/]+/([^/?]+)")
_NOT_FORWARDED = frozenset(
    {
        # hop-by-hop (RFC 9110 §7.6.1): they describe one connection, not the message
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        # set again for the next hop by aiohttp itself
        "host",
        "content-length",
    }
)
_NOT_ANSWERED = _NOT_FORWARDED | {"date", "server"}
_LISTEN_BACKLOG = 1024


@dataclass(frozen=True, slots=True)
class Fault:
    """What the proxy does to the requests it matches; build one with the class methods.

    Narrow it with ``only`` (some Bot API methods), ``times`` (a number of faulted
    requests, after which the fault is used up) and ``fraction`` (a share of the
    matching requests, spread evenly and deterministically: 0.5 faults the 2nd,
    4th, 6th…). Immutable, so one value can be reused across tests.
    """

    kind: FaultKind
    code: int | None = None
    retry_after: int | None = None
    description: str | None = None
    seconds: float = 0.0
    methods: frozenset[str] = frozenset()
    count: int | None = None
    rate: Fraction = Fraction(1)

    @classmethod
    def status(
        cls, code: int, retry_after: int | None = None, description: str | None = None
    ) -> Fault:
        """Answer ``code`` with a Telegram-shaped error body, without forwarding: surely not sent.

        A 429 always carries ``parameters.retry_after`` (1 unless given), as Telegram's does.
        """
        _check_error_code(code)
        if code == HTTPStatus.TOO_MANY_REQUESTS and retry_after is None:
            retry_after = 1
        return cls("status", code=code, retry_after=retry_after, description=description)

    @classmethod
    def status_after_forward(cls, code: int, description: str | None = None) -> Fault:
        """Forward (the call really happens), then answer ``code`` instead: maybe sent."""
        _check_error_code(code)
        return cls("status_after_forward", code=code, description=description)

    @classmethod
    def refuse(cls) -> Fault:
        """Close the port: connecting fails, so the client knows nothing was sent.

        Open connections are closed too, else a client's keep-alive pool would
        still reach the proxy. Refusing happens before any request is read, so
        this fault cannot be narrowed to methods or counts.
        """
        return cls("refuse")

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """Forward, then hold the upstream's answer back for ``seconds``."""
        if not seconds >= 0:
            raise ValueError(f"seconds must be >= 0, not {seconds!r}")
        return cls("slow", seconds=seconds)

    @classmethod
    def swallow(cls) -> Fault:
        """Forward (the call really happens) and never answer.

        The connection is held until the client gives up, or until the test
        changes or clears the fault, when it is closed unanswered.
        """
        return cls("swallow")

    @classmethod
    def drop(cls) -> Fault:
        """Read the request, then close the connection: nothing forwarded, nothing answered."""
        return cls("drop")

    def only(self, *methods: str) -> Fault:
        """This fault for these Bot API methods only (any case; ``FILE_DOWNLOAD`` for files)."""
        self._check_narrowable()
        if not methods:
            raise ValueError("name at least one method")
        return replace(self, methods=frozenset(m.lower() for m in methods))

    def times(self, count: int) -> Fault:
        """Fault ``count`` matching requests, then let traffic through (or go to the next fault)."""
        self._check_narrowable()
        if count < 1:
            raise ValueError(f"count must be >= 1, not {count!r}")
        return replace(self, count=count)

    def fraction(self, share: float) -> Fault:
        """Fault this share (0 < share <= 1) of the matching requests, evenly spread."""
        self._check_narrowable()
        if not 0 < share <= 1:
            raise ValueError(f"share must be in (0, 1], not {share!r}")
        return replace(self, rate=Fraction(share).limit_denominator(10_000))

    def matches(self, method: str) -> bool:
        """Whether a request for ``method`` (lower-case) is one this fault is about."""
        return not self.methods or method in self.methods

    def error(self) -> ApiError:
        """The error a ``status`` fault answers with."""
        assert self.code is not None
        description = self.description
        if description is None and self.code == HTTPStatus.TOO_MANY_REQUESTS:
            description = f"Too Many Requests: retry after {self.retry_after}"
        elif description is None:
            description = _phrase(self.code)
        return ApiError(self.code, description, self.retry_after)

    def _check_narrowable(self) -> None:
        if self.kind == "refuse":
            raise ValueError(
                "refuse() acts on connections, before any request is read; "
                "it cannot be limited to methods or counts"
            )


@dataclass(slots=True)
class _Active:
    """A fault in the schedule and how much of it has been used."""

    fault: Fault
    matched: int = 0
    injected: int = 0

    def take(self) -> bool:
        """Count one matching request; whether it is one to fault (see ``Fault.fraction``)."""
        self.matched += 1
        rate = self.fault.rate
        return math.floor(self.matched * rate) > math.floor((self.matched - 1) * rate)

    @property
    def used_up(self) -> bool:
        return self.fault.count is not None and self.injected >= self.fault.count


@dataclass(frozen=True, slots=True)
class _Answer:
    """The upstream's response, read in full so it can be delayed or replaced."""

    status: int
    reason: str | None
    headers: CIMultiDict[str]
    body: bytes


class FaultProxy:
    """An HTTP proxy on 127.0.0.1 to ``upstream`` (e.g. ``FakeBotApi.root_url``) with faults.

    Healthy, it forwards every request as it came (method, path and query,
    headers, body, multipart included) and returns the upstream's response.
    ``set_fault`` switches to one fault or a schedule of them; ``clear`` back to
    healthy. Counters per Bot API method (lower-case): ``seen`` (reached the
    proxy), ``forwarded`` (the upstream answered it), ``faulted`` (a fault acted
    on it); ``holding`` is how many requests a swallow holds right now.
    """

    def __init__(self, upstream: str, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.upstream = upstream.rstrip("/")
        self.host = host
        self._requested_port = port
        self._port = 0

        self._cond = threading.Condition(threading.RLock())
        self._schedule: deque[_Active] = deque()
        self._seen: Counter[str] = Counter()
        self._forwarded: Counter[str] = Counter()
        self._faulted: Counter[str] = Counter()
        self._holding = 0

        self._thread = LoopThread("FaultProxy")
        self._runner: web.AppRunner | None = None
        self._site: web.SockSite | None = None
        self._placeholder: socket.socket | None = None
        self._session: aiohttp.ClientSession | None = None
        self._release = asyncio.Event()
        self._closing = asyncio.Event()

    # ------------------------------------------------------------------ addresses and lifecycle

    @property
    def port(self) -> int:
        """The proxy's TCP port (known after ``start``; kept while refusing)."""
        return self._port

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT``; the proxy's stand-in for the upstream's root."""
        return f"http://{self.host}:{self._port}"

    @property
    def base_url(self) -> str:
        """What to give PTB's ``ApplicationBuilder.base_url`` (PTB appends the token)."""
        return f"{self.root_url}/bot"

    @property
    def base_file_url(self) -> str:
        """What to give PTB's ``ApplicationBuilder.base_file_url``."""
        return f"{self.root_url}/file/bot"

    def start(self) -> FaultProxy:
        """Bind and serve in a background thread; returns self once it accepts connections."""
        self._thread.start(self._startup)
        return self

    def stop(self) -> None:
        """Close held and delayed requests unanswered, stop serving and join the thread."""
        self._thread.stop(self._shutdown)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ switching faults

    def set_fault(self, *faults: Fault) -> None:
        """Apply these faults one after another, from the next request on.

        Each lasts for its ``times`` faulted requests, then the next takes over;
        after the last, traffic is healthy. A fault without ``times`` lasts until
        changed, so only the last may omit it. Requests a swallow holds are let go.
        """
        for fault in faults[:-1]:
            if fault.count is None:
                raise ValueError(
                    f"{fault!r} lasts forever, so only the last fault may omit times()"
                )
        if any(f.kind == "refuse" for f in faults) and len(faults) > 1:
            raise ValueError("refuse() cannot be used up, so it must be the only fault")
        with self._cond:
            self._schedule = deque(_Active(fault) for fault in faults)
            self._cond.notify_all()
        if self._thread.running:
            self._thread.run(self._apply())

    def clear(self) -> None:
        """Healthy again from the next request on; held requests are closed unanswered."""
        self.set_fault()

    @property
    def fault(self) -> Fault | None:
        """The fault acting now (the head of the schedule), or None when healthy."""
        with self._cond:
            return self._schedule[0].fault if self._schedule else None

    # ------------------------------------------------------------------ counters and waits

    def seen(self, method: str | None = None) -> int:
        """Requests that reached the proxy, for one method or (None) all."""
        return self._count(self._seen, method)

    def forwarded(self, method: str | None = None) -> int:
        """Requests the upstream answered, whatever the client was then told."""
        return self._count(self._forwarded, method)

    def faulted(self, method: str | None = None) -> int:
        """Requests a fault acted on (refused connections are never seen, so not counted)."""
        return self._count(self._faulted, method)

    @property
    def holding(self) -> int:
        """Requests a swallow fault is holding unanswered right now."""
        with self._cond:
            return self._holding

    def wait_until(
        self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
    ) -> None:
        """Block until ``predicate()`` (evaluated under the lock, on every count) is true."""
        wait_for(
            self._cond,
            lambda: True if predicate() else None,
            timeout,
            lambda: what,
            self._summary,
        )

    async def wait_until_async(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - twin of the sync wait
        what: str = "condition",
    ) -> None:
        """``wait_until`` without blocking the caller's event loop."""
        await asyncio.to_thread(self.wait_until, predicate, timeout, what)

    def _count(self, counter: Counter[str], method: str | None) -> int:
        with self._cond:
            return counter.total() if method is None else counter[method.lower()]

    def _summary(self) -> str:
        with self._cond:
            return (
                f"  seen={dict(self._seen)}\n  forwarded={dict(self._forwarded)}\n"
                f"  faulted={dict(self._faulted)}\n  holding={self._holding}, fault={self.fault}"
            )

    # ------------------------------------------------------------------ on the proxy's loop

    async def _startup(self) -> None:
        self._release = asyncio.Event()
        self._closing = asyncio.Event()
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0),
            timeout=aiohttp.ClientTimeout(total=None),  # getUpdates long polls take their time
            auto_decompress=False,  # pass bodies on byte for byte
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        sock = bind_socket(self.host, self._requested_port)
        self._port = sock.getsockname()[1]
        self._placeholder = sock
        await self._apply()

    async def _shutdown(self) -> None:
        self._closing.set()
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
        self._site = None
        if self._session is not None:
            await self._session.close()
        if self._placeholder is not None:
            self._placeholder.close()
            self._placeholder = None

    async def _apply(self) -> None:
        """Act on a new schedule: let held requests go, open or close the port."""
        self._release.set()
        self._release = asyncio.Event()
        with self._cond:
            refusing = bool(self._schedule) and self._schedule[0].fault.kind == "refuse"
        if refusing:
            await self._stop_listening()
        else:
            await self._listen()

    async def _listen(self) -> None:
        if self._site is not None:
            return
        try:
            sock = bind_socket(self.host, self._port)
        except OSError:
            # Where SO_REUSEADDR does not let two sockets share the port, free it first.
            if self._placeholder is None:
                raise
            self._placeholder.close()
            self._placeholder = None
            sock = bind_socket(self.host, self._port)
        assert self._runner is not None
        site = web.SockSite(self._runner, sock, backlog=_LISTEN_BACKLOG)
        await site.start()
        self._site = site
        if self._placeholder is not None:
            self._placeholder.close()
            self._placeholder = None

    async def _stop_listening(self) -> None:
        if self._site is None:
            return
        await self._site.stop()
        self._site = None
        # A bound socket that does not listen gets connections refused, and keeps
        # the port from being taken as some client's ephemeral port meanwhile.
        with contextlib.suppress(OSError):
            self._placeholder = bind_socket(self.host, self._port)
        assert self._runner is not None and self._runner.server is not None
        for connection in self._runner.server.connections:
            connection.force_close()
        # The transports close their sockets in callbacks already queued on the
        # loop; one pass lets them run before set_fault returns to the test.
        await asyncio.sleep(0)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = _method_of(request.path)
        body = await request.read()
        fault = self._take_fault(method)
        if fault is None:
            return _respond(await self._forward(request, method, body))
        if fault.kind == "status":
            return _error_response(fault.error())
        if fault.kind in ("drop", "refuse"):  # refuse: a request already on its way
            return _hang_up(request)
        answer = await self._forward(request, method, body)
        if fault.kind == "status_after_forward":
            return _error_response(fault.error())
        if fault.kind == "slow":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), fault.seconds)
            return _hang_up(request) if self._closing.is_set() else _respond(answer)
        await self._hold()
        return _hang_up(request)

    def _take_fault(self, method: str) -> Fault | None:
        """Count the request and use up the fault that applies to it, if any."""
        with self._cond:
            self._seen[method] += 1
            self._cond.notify_all()
            active = self._schedule[0] if self._schedule else None
            if active is None or not active.fault.matches(method) or not active.take():
                return None
            active.injected += 1
            if active.used_up:
                self._schedule.popleft()
            self._faulted[method] += 1
            return active.fault

    async def _forward(self, request: web.Request, method: str, body: bytes) -> _Answer:
        assert self._session is not None
        headers = CIMultiDict(
            (name, value)
            for name, value in request.headers.items()
            if name.lower() not in _NOT_FORWARDED
        )
        try:
            async with self._session.request(
                request.method,
                URL(self.upstream + request.raw_path, encoded=True),
                headers=headers,
                data=body or None,
                allow_redirects=False,
                skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent", "Content-Type"),
            ) as response:
                answer = _Answer(
                    response.status,
                    response.reason,
                    CIMultiDict(
                        (name, value)
                        for name, value in response.headers.items()
                        if name.lower() not in _NOT_ANSWERED
                    ),
                    await response.read(),
                )
        except aiohttp.ClientError as exc:
            error = ApiError(HTTPStatus.BAD_GATEWAY, f"Bad Gateway: upstream failed: {exc!r}")
            return _Answer(error.error_code, None, CIMultiDict(), _json(error))
        with self._cond:
            self._forwarded[method] += 1
            self._cond.notify_all()
        return answer

    async def _hold(self) -> None:
        """Wait, unanswered, until the fault changes or the client gives up (cancelled)."""
        release = self._release
        with self._cond:
            self._holding += 1
            self._cond.notify_all()
        try:
            await release.wait()
        finally:
            with self._cond:
                self._holding -= 1
                self._cond.notify_all()


def _method_of(path: str) -> str:
    """The Bot API method a request path calls, lower-case ('' for other paths)."""
    if path.startswith("/file/"):
        return FILE_DOWNLOAD
    found = _METHOD_RE.match(path)
    return found.group(1).lower() if found else ""


def _respond(answer: _Answer) -> web.Response:
    return web.Response(
        status=answer.status, reason=answer.reason, headers=answer.headers, body=answer.body
    )


def _error_response(error: ApiError) -> web.Response:
    return web.Response(status=error.error_code, body=_json(error), content_type="application/json")


def _json(error: ApiError) -> bytes:
    return json.dumps(error.payload()).encode()


def _hang_up(request: web.Request) -> web.Response:
    """Close the connection unanswered; aiohttp then quietly drops the response returned."""
    if request.transport is not None:
        request.transport.close()
    return web.Response()


def _phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return f"Error {code}"


def _check_error_code(code: int) -> None:
    if not 400 <= code <= 599:
        raise ValueError(f"an error status is 400-599, not {code!r}")
