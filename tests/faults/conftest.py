"""Fixtures: the real fake Bot API upstream, the fault proxy in front, an HTTP client.

The client is httpx, as under PTB, with a keep-alive pool, so a fault must act
on pooled connections too, not only on fresh ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from fakeapi import FakeBotApi
from fakeapi.faults import FaultProxy

TOKEN = "42:abcdefghijklmnopqrstuvwxyz"
CHAT = 7


@pytest.fixture
def proxy(api: FakeBotApi) -> Iterator[FaultProxy]:
    """A healthy proxy to ``api``.

    These tests are about the proxy, not Telegram's rules: any positive chat id is a
    private chat that started the bot, and there is no per-chat flood limit.
    """
    api.strict_chats = False
    api.private_burst = api.group_per_minute = None
    with FaultProxy(api.root_url) as faults:
        yield faults


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """A pooled client; generous timeouts, so a test that needs a short one says so."""
    with httpx.Client(timeout=10) as session:
        yield session


def call(client: httpx.Client, proxy: FaultProxy, method: str, **params: Any) -> httpx.Response:
    """POST a Bot API call as JSON through the proxy."""
    return client.post(f"{proxy.base_url}{TOKEN}/{method}", json=params)


def send(client: httpx.Client, proxy: FaultProxy, text: str, chat_id: int = CHAT) -> httpx.Response:
    """sendMessage through the proxy."""
    return call(client, proxy, "sendMessage", chat_id=chat_id, text=text)


def texts(api: FakeBotApi, chat_id: int = CHAT) -> list[str | None]:
    """What arrived upstream in a chat."""
    return [m.text for m in api.messages(chat_id)]
