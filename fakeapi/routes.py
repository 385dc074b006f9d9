"""The fake's HTTP face: Telegram's URL layout, token check and ``{"ok": …}`` envelope.

``/bot<token>/<method>`` runs a Bot API method (any HTTP verb, parameters in the
query, a JSON body, a form or multipart, see ``params``), and
``/file/bot<token>/<path>`` downloads a stored file, as on api.telegram.org.
Every call is logged to ``ChatStore.calls`` so a failing test can show what the
bot asked for.
"""

from __future__ import annotations

import re

from aiohttp import web

from fakeapi.chats import ChatStore
from fakeapi.methods import BotApiMethods
from fakeapi.params import Params, read_params
from fakeapi.records import ApiCall, ApiError

TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
MAX_REQUEST_BYTES = 64 * 1024 * 1024
"""Room for the largest upload a test sends; aiohttp's default is only 1 MiB."""


def build_app(store: ChatStore, methods: BotApiMethods) -> web.Application:
    """An aiohttp application serving ``methods`` and the files in ``store``."""

    async def handle_method(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        params = Params({})
        try:
            if not TOKEN_RE.match(token):
                raise ApiError(401, "Unauthorized")
            params = await read_params(request)
            result = await methods.call(method.lower(), params, store.bot_user(token))
            _log(store, method, params, None)
            return web.json_response({"ok": True, "result": result})
        except ApiError as error:
            _log(store, method, params, error.error_code)
            if error.error_code == 429:
                with store.cond:
                    store.count_429 += 1
            return web.json_response(error.payload(), status=error.error_code)

    async def handle_file(request: web.Request) -> web.Response:
        if not TOKEN_RE.match(request.match_info["token"]):
            return web.json_response(ApiError(401, "Unauthorized").payload(), status=401)
        with store.cond:
            stored = store.files_by_path.get(request.match_info["file_path"])
        if stored is None:
            return web.json_response(ApiError(404, "Not Found").payload(), status=404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app.router.add_route("*", "/bot{token}/{method}", handle_method)
    app.router.add_get("/file/bot{token}/{file_path:.+}", handle_file)
    return app


def _log(store: ChatStore, method: str, params: Params, error_code: int | None) -> None:
    """Record the call, uploads replaced by a short note (a log must not hold megabytes)."""
    values = dict(params.values)
    for key, upload in params.uploads.items():
        values[key] = f"<upload {upload.filename!r}, {len(upload.data)} bytes>"
    with store.cond:
        store.calls.append(ApiCall(method, values, error_code))
