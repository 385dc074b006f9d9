"""Each fault does what it says, seen from a real HTTP client and from the real upstream.

The question every test answers twice: what did the client see, and did the
message really arrive upstream? That pair is what the delivery pipeline must
get right (retry what surely did not arrive, never blindly retry what may have).
"""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from fakeapi import FakeBotApi
from fakeapi.faults import Fault, FaultProxy
from tests.faults.conftest import call, send, texts


@pytest.mark.parametrize(
    ("code", "description"),
    [
        (500, "Internal Server Error"),
        (502, "Bad Gateway"),
        (503, "Service Unavailable"),
        (504, "Gateway Timeout"),
    ],
)
def test_status_answers_without_forwarding(
    api: FakeBotApi, proxy: FaultProxy, client: httpx.Client, code: int, description: str
) -> None:
    proxy.set_fault(Fault.status(code))
    reply = send(client, proxy, "tip")
    assert reply.status_code == code
    assert reply.json() == {"ok": False, "error_code": code, "description": description}
    assert texts(api) == [] and api.calls == type(api.calls)()
    assert (proxy.seen(), proxy.forwarded(), proxy.faulted("sendMessage")) == (1, 0, 1)


def test_status_429_is_shaped_like_telegrams(
    api: FakeBotApi, proxy: FaultProxy, client: httpx.Client
) -> None:
    proxy.set_fault(Fault.status(429, retry_after=5))
    reply = send(client, proxy, "tip")
    assert reply.status_code == 429
    assert reply.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 5",
        "parameters": {"retry_after": 5},
    }
    proxy.set_fault(Fault.status(429))
    assert send(client, proxy, "tip").json()["parameters"] == {"retry_after": 1}
    assert texts(api) == []


def test_status_after_forward_delivers_then_answers_the_error(
    api: FakeBotApi, proxy: FaultProxy, client: httpx.Client
) -> None:
    proxy.set_fault(Fault.status_after_forward(500))
    reply = send(client, proxy, "tip")
    assert reply.status_code == 500
    assert reply.json() == {"ok": False, "error_code": 500, "description": "Internal Server Error"}
    assert texts(api) == ["tip"]
    assert (proxy.forwarded(), proxy.faulted()) == (1, 1)


def test_refuse_closes_the_port_and_pooled_connections(
    api: FakeBotApi, proxy: FaultProxy, client: httpx.Client
) -> None:
    assert send(client, proxy, "before").status_code == 200  # leaves a keep-alive connection
    proxy.set_fault(Fault.refuse())
    with pytest.raises(httpx.ConnectError):
        send(client, proxy, "during")
    with pytest.raises(httpx.ConnectError):
        httpx.post(f"{proxy.root_url}/anything", timeout=5)
    assert proxy.seen() == 1  # refused connections never reach the proxy
    proxy.clear()
    assert send(client, proxy, "after").status_code == 200
    assert texts(api) == ["before", "after"]


def test_refuse_from_the_start_then_open(api: FakeBotApi, client: httpx.Client) -> None:
    proxy = FaultProxy(api.root_url)
    proxy.set_fault(Fault.refuse())
    with proxy:
        assert proxy.port > 0
        with pytest.raises(httpx.ConnectError):
            send(client, proxy, "during")
        proxy.set_fault(Fault.status(502))
        assert send(client, proxy, "gateway").status_code == 502
    assert texts(api) == []


def test_slow_forwards_then_answers_late(
    api: FakeBotApi, proxy: FaultProxy, client: httpx.Client
) -> None:
    proxy.set_fault(Fault.slow(0.3))
    started = time.monotonic()
    reply = send(client, proxy, "tip")
    assert time.monotonic() - started >= 0.3
    assert reply.status_code == 200 and reply.json()["result"]["text"] == "tip"
    assert texts(api) == ["tip"]


def test_slow_past_the_clients_read_timeout_still_delivers(
    api: FakeBotApi, proxy: FaultProxy
) -> None:
    proxy.set_fault(Fault.slow(30))
    with httpx.Client(timeout=httpx.Timeout(10, read=0.2)) as impatient:
        with pytest.raises(httpx.ReadTimeout):
            send(impatient, proxy, "tip")
    proxy.wait_until(lambda: proxy.forwarded() == 1, timeout=5)
    assert texts(api) == ["tip"]


def test_swallow_delivers_holds_and_closes_unanswered_on_clear(
    api: FakeBotApi, proxy: FaultProxy, client: httpx.Client
) -> None:
    proxy.set_fault(Fault.swallow())
    outcome: list[httpx.Response | Exception] = []

    def sender() -> None:
        try:
            outcome.append(send(client, proxy, "tip"))
        except httpx.HTTPError as error:
            outcome.append(error)

    thread = threading.Thread(target=sender)
    thread.start()
    proxy.wait_until(lambda: proxy.holding == 1, timeout=5, what="the send held")
    assert texts(api) == ["tip"]
    assert outcome == []  # arrived upstream, still unanswered
    proxy.clear()
    thread.join(5)
    assert isinstance(outcome[0], httpx.RemoteProtocolError)
    assert proxy.holding == 0
    assert send(client, proxy, "next").status_code == 200


def test_swallow_until_the_client_gives_up(api: FakeBotApi, proxy: FaultProxy) -> None:
    proxy.set_fault(Fault.swallow())
    with httpx.Client(timeout=httpx.Timeout(10, read=0.2)) as impatient:
        with pytest.raises(httpx.ReadTimeout):
            send(impatient, proxy, "tip")
    proxy.wait_until(lambda: proxy.holding == 0, timeout=5, what="the proxy to notice")
    assert texts(api) == ["tip"]
    assert (proxy.forwarded(), proxy.faulted()) == (1, 1)


def test_stop_lets_held_requests_go(api: FakeBotApi, client: httpx.Client) -> None:
    proxy = FaultProxy(api.root_url).start()
    proxy.set_fault(Fault.swallow())
    outcome: list[Exception] = []

    def sender() -> None:
        try:
            send(client, proxy, "tip")
        except httpx.HTTPError as error:
            outcome.append(error)

    thread = threading.Thread(target=sender)
    thread.start()
    proxy.wait_until(lambda: proxy.holding == 1, timeout=5)
    proxy.stop()
    thread.join(5)  # the held request is let go, not kept until the client gives up
    assert not thread.is_alive()
    assert isinstance(outcome[0], httpx.RemoteProtocolError)


def test_drop_reads_the_request_and_hangs_up(
    api: FakeBotApi, proxy: FaultProxy, client: httpx.Client
) -> None:
    proxy.set_fault(Fault.drop())
    with pytest.raises(httpx.RemoteProtocolError):
        send(client, proxy, "tip")
    assert texts(api) == []
    assert (proxy.seen(), proxy.forwarded(), proxy.faulted()) == (1, 0, 1)
    proxy.clear()
    assert call(client, proxy, "getMe").status_code == 200
