"""How queued updates reach the bot: answered to getUpdates, or POSTed to its webhook.

As on Telegram, the two exclude each other (getUpdates while a webhook is set is
a 409), an update leaves the queue only when confirmed (a later getUpdates
offset, or a 2xx from the webhook), and a failing webhook is retried in order
with a growing pause and reported by getWebhookInfo. Long polls and the
webhook sender sleep on asyncio events that ``wake`` sets, so a pushed update
is delivered at once rather than at the next poll tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from telegram import User, WebhookInfo

from fakeapi.chats import ChatStore
from fakeapi.methods import BotApiMethods
from fakeapi.params import Params
from fakeapi.records import ApiError

SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
WEBHOOK_PORTS = (443, 80, 88, 8443)
BAD_WEBHOOK = "Bad Request: bad webhook: "
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


class UpdateDelivery:
    """getUpdates, setWebhook, deleteWebhook, getWebhookInfo, and the webhook sender."""

    def __init__(self, store: ChatStore, *, strict_webhook: bool = False) -> None:
        self.store = store
        self.strict_webhook = strict_webhook
        self._allowed_updates: list[str] | None = None
        self._webhook_url: str | None = None
        self._webhook_secret: str | None = None
        self._webhook_max_connections = 40
        self._webhook_last_error: tuple[int, str] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._updates_event: asyncio.Event | None = None
        self._webhook_event: asyncio.Event | None = None
        self._closing = False

    def serve(self, methods: BotApiMethods) -> None:
        """Add this part's Bot API methods to ``methods``."""
        methods.add_async("getupdates", self._get_updates)
        methods.add("setwebhook", self._set_webhook)
        methods.add("deletewebhook", self._delete_webhook)
        methods.add("getwebhookinfo", self._get_webhook_info)

    async def open(self) -> None:
        """Create the pieces bound to the server loop; runs on it at startup."""
        self._closing = False
        self._updates_event = asyncio.Event()
        self._webhook_event = asyncio.Event()
        self._session = aiohttp.ClientSession()

    async def close(self) -> None:
        """Answer pending long polls with what there is, stop the webhook sender."""
        self._closing = True
        self.wake()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._session is not None:
            await self._session.close()

    def wake(self) -> None:
        """Let long polls and the webhook sender look again; call on the server loop."""
        if self._updates_event is not None:
            self._updates_event.set()
        if self._webhook_event is not None:
            self._webhook_event.set()

    # ------------------------------------------------------------------ getUpdates

    async def _get_updates(self, params: Params, me: User) -> list[dict[str, Any]]:
        store = self.store
        with store.cond:
            if self._webhook_url is not None:
                raise ApiError(409, WEBHOOK_CONFLICT)
        offset = params.integer("offset")
        limit = min(max(params.integer("limit", 100) or 100, 1), 100)
        timeout = max(params.number("timeout", 0.0), 0.0)
        allowed = params.structured("allowed_updates")
        if allowed is not None:
            with store.cond:
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
            with store.cond:
                store.waiting_polls += 1
                store.cond.notify_all()
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), remaining)
            finally:
                with store.cond:
                    store.waiting_polls -= 1

    def _take_updates(self, offset: int | None, limit: int) -> list[dict[str, Any]]:
        """Confirm updates below ``offset`` (or keep the last ``-offset``), return the next."""
        with self.store.cond:
            queue = self.store.updates
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

    # ------------------------------------------------------------------ webhook

    def _set_webhook(self, params: Params, me: User) -> bool:
        url = params.string("url") or ""
        secret = params.string("secret_token")
        if secret is not None and not SECRET_RE.match(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if url:
            self._check_webhook_url(url)
        allowed = params.structured("allowed_updates")
        with self.store.cond:
            if params.flag("drop_pending_updates"):
                self.store.updates.clear()
            if allowed is not None:
                self._allowed_updates = list(allowed) or None
            self._webhook_url = url or None
            self._webhook_secret = secret if url else None
            self._webhook_max_connections = params.integer("max_connections", 40) or 40
            self._webhook_last_error = None
        if url and (self._webhook_task is None or self._webhook_task.done()):
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver_webhook())
        self.wake()
        return True

    def _check_webhook_url(self, url: str) -> None:
        """Telegram delivers only over HTTPS to ports 443, 80, 88 and 8443; unless
        ``strict_webhook``, plain HTTP to any port passes (loopback tests)."""
        parts = urlsplit(url)
        allowed = ("https",) if self.strict_webhook else ("http", "https")
        if parts.scheme.lower() not in allowed or not parts.hostname:
            raise ApiError(400, f"{BAD_WEBHOOK}An HTTPS URL must be provided for webhook")
        try:
            port = parts.port
        except ValueError:
            raise ApiError(400, f"{BAD_WEBHOOK}Wrong port number specified") from None
        if self.strict_webhook and port not in (None, *WEBHOOK_PORTS):
            raise ApiError(
                400, f"{BAD_WEBHOOK}Webhook can be set up only on ports 80, 88, 443 or 8443"
            )

    def _delete_webhook(self, params: Params, me: User) -> bool:
        with self.store.cond:
            if params.flag("drop_pending_updates"):
                self.store.updates.clear()
            self._webhook_url = None
            self._webhook_secret = None
        self.wake()
        return True

    def _get_webhook_info(self, params: Params, me: User) -> dict[str, Any]:
        with self.store.cond:
            error = self._webhook_last_error
            info = WebhookInfo(
                url=self._webhook_url or "",
                has_custom_certificate=False,
                pending_update_count=len(self.store.updates),
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
        store = self.store
        backoff = 0.05
        while not self._closing:
            event.clear()
            with store.cond:
                url, secret = self._webhook_url, self._webhook_secret
                head = store.updates[0] if store.updates else None
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
            with store.cond:
                if error is None:
                    if store.updates and store.updates[0] is head:
                        store.updates.popleft()
                    store.webhook_deliveries += 1
                    store.cond.notify_all()
                else:
                    self._webhook_last_error = (int(time.time()), error)
            if error is None:
                backoff = 0.05
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), backoff)
            backoff = min(backoff * 2, 1.0)
