"""What a PTB bot raises for each fault: the exceptions the delivery pipeline must sort.

"Surely not sent" (refused, a status answered without forwarding) must be told
from "may have been sent" (a read timeout, a 500 after forwarding, a dropped
connection), and these tests pin how each reaches the bot through PTB 22.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from fakeapi import FakeBotApi
from fakeapi.faults import Fault, FaultProxy
from tests.faults.conftest import TOKEN, texts

# RetryAfter.retry_after warns that it will become a timedelta in PTB 23.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def bot(proxy: FaultProxy) -> AsyncIterator[Bot]:
    """A PTB bot talking to the fake through the proxy; short read timeout for swallow."""
    request = HTTPXRequest(read_timeout=0.5, connect_timeout=2)
    async with Bot(
        TOKEN, base_url=proxy.base_url, base_file_url=proxy.base_file_url, request=request
    ) as ptb_bot:
        yield ptb_bot


async def test_refused_is_a_connect_error(api: FakeBotApi, proxy: FaultProxy, bot: Bot) -> None:
    proxy.set_fault(Fault.refuse())
    with pytest.raises(NetworkError, match="httpx.ConnectError") as raised:
        await bot.send_message(7, "tip")
    assert isinstance(raised.value.__cause__, httpx.ConnectError)
    assert texts(api) == []


async def test_gateway_error_and_flood_limit(api: FakeBotApi, proxy: FaultProxy, bot: Bot) -> None:
    proxy.set_fault(Fault.status(502).times(1), Fault.status(429, retry_after=4).times(1))
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(7, "tip")
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(7, "tip")
    assert raised.value.retry_after == 4
    assert (await bot.send_message(7, "tip")).text == "tip"
    assert texts(api) == ["tip"]


async def test_500_after_forward_arrived_anyway(
    api: FakeBotApi, proxy: FaultProxy, bot: Bot
) -> None:
    proxy.set_fault(Fault.status_after_forward(500))
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(7, "tip")
    assert texts(api) == ["tip"]


async def test_swallowed_send_times_out_but_arrived(
    api: FakeBotApi, proxy: FaultProxy, bot: Bot
) -> None:
    proxy.set_fault(Fault.swallow().only("sendMessage"))
    with pytest.raises(TimedOut):
        await bot.send_message(7, "tip")
    assert texts(api) == ["tip"]
    assert (await bot.get_me()).id == 42  # other methods stay healthy


async def test_dropped_connection_is_a_network_error(
    api: FakeBotApi, proxy: FaultProxy, bot: Bot
) -> None:
    proxy.set_fault(Fault.drop())
    with pytest.raises(NetworkError, match="httpx.RemoteProtocolError"):
        await bot.send_message(7, "tip")
    assert texts(api) == []
