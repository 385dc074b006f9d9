"""The webhook endpoint: refuse what does not come from Telegram before reading its body.

Telegram POSTs each update as one small JSON document carrying, in the
`X-Telegram-Bot-Api-Secret-Token` header, the secret we registered with
`setWebhook`. PTB's built-in server reads the whole body (up to 100 MB) before
looking at that header, so anyone who finds the URL can make every instance
hold 90 MB per request. Here the order is reversed:

1. the secret header, compared in constant time (no byte-by-byte guessing
   from response times): 403 without it;
2. the declared size: over `MAX_UPDATE_BYTES` (an update is at most a few
   kilobytes) is 413 without reading;
3. the body, read with that cap (a chunked body that grows past it is 413).

A refused body is never held: aiohttp discards what the client still sends,
in small chunks, then closes the connection.

An update that cannot be parsed is acknowledged (200) and dropped with a
warning that holds no content: answering an error would make Telegram retry
that same update for ever and hold back every later one.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
MAX_UPDATE_BYTES = 1024 * 1024

UpdateSink = Callable[[dict[str, Any]], Awaitable[None]]


def _refuse(status: int) -> web.Response:
    response = web.Response(status=status)
    response.force_close()  # whatever the client still sends is discarded, then we hang up
    return response


class WebhookServer:
    """An HTTP server with one route, `POST /<path>`, that hands each update to `sink`."""

    def __init__(self, listen: str, port: int, path: str, secret: str, sink: UpdateSink) -> None:
        self.listen, self.port, self.path = listen, port, "/" + path.strip("/")
        self._secret = secret.encode()
        self._sink = sink
        self._runner: web.AppRunner | None = None

    def _has_secret(self, request: web.Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        return hmac.compare_digest(given, self._secret)

    async def receive(self, request: web.Request) -> web.Response:
        if not self._has_secret(request):
            return _refuse(403)
        if request.content_length is not None and request.content_length > MAX_UPDATE_BYTES:
            return _refuse(413)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _refuse(413)
        try:
            update = json.loads(body)
        except ValueError:
            return _refuse(400)
        if not isinstance(update, dict):
            return _refuse(400)
        await self._sink(update)
        return web.Response(status=200)

    async def start(self) -> None:
        """Listen; raises OSError when the address is taken or not ours."""
        app = web.Application(client_max_size=MAX_UPDATE_BYTES)
        app.router.add_post(self.path, self.receive)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.listen, self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
