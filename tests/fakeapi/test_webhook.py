"""Webhook mode: the fake POSTs updates to the bot's URL with the secret header."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from telegram.error import Conflict
from telegram.ext import Application

from fakeapi import FakeBotApi, FakeUser


async def test_webhook_delivers_with_secret_and_retries(
    api: FakeBotApi,
    app: Application,  # type: ignore[type-arg]
) -> None:
    assert app.updater is not None
    await app.updater.stop()  # this test is the webhook receiver; no polling
    received: asyncio.Queue[tuple[str | None, dict[str, Any]]] = asyncio.Queue()
    failures_left = [1]

    async def receive(request: web.Request) -> web.Response:
        if failures_left[0]:
            failures_left[0] -= 1
            return web.Response(status=500)  # the fake must retry this update
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        await received.put((secret, await request.json()))
        return web.Response()

    receiver = web.Application()
    receiver.router.add_post("/hook", receive)
    runner = web.AppRunner(receiver)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        await app.bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cr3t")
        info = await app.bot.get_webhook_info()
        assert info.url.endswith("/hook")
        with pytest.raises(Conflict):
            await app.bot.get_updates()

        FakeUser(api, 3001).send_text("via webhook")
        secret, update = await asyncio.wait_for(received.get(), 2)
        assert secret == "s3cr3t"
        assert update["message"]["text"] == "via webhook"
        assert failures_left == [0]
        await api.wait_until_async(lambda: api.pending_updates == 0, timeout=2)
        assert await app.bot.delete_webhook()
        assert await app.bot.get_updates(timeout=0) == ()
    finally:
        await runner.cleanup()
