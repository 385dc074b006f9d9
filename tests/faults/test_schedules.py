"""Narrowing faults to methods, counts and shares, and chaining them; thread safety."""

from __future__ import annotations

import threading

import httpx
import pytest

from fakeapi import FakeBotApi
from fakeapi.faults import Fault, FaultProxy
from tests.faults.conftest import TOKEN, call, send, texts


def test_only_some_methods(api: FakeBotApi, proxy: FaultProxy, client: httpx.Client) -> None:
    proxy.set_fault(Fault.status(502).only("sendMessage", "sendPhoto"))
    assert send(client, proxy, "tip").status_code == 502
    assert call(client, proxy, "getUpdates").status_code == 200
    query_id = api.new_callback_query(7, 7, None, "x")
    assert call(client, proxy, "answerCallbackQuery", callback_query_id=query_id).status_code == 200
    assert (proxy.faulted(), proxy.faulted("sendMessage"), proxy.forwarded()) == (1, 1, 2)


def test_times_then_healthy(api: FakeBotApi, proxy: FaultProxy, client: httpx.Client) -> None:
    proxy.set_fault(Fault.status(503).only("sendMessage").times(2))
    assert call(client, proxy, "getMe").status_code == 200  # not counted against the two
    statuses = [send(client, proxy, f"try {n}").status_code for n in range(3)]
    assert statuses == [503, 503, 200]
    assert proxy.fault is None
    assert texts(api) == ["try 2"]


def test_fraction_is_even_and_deterministic(
    api: FakeBotApi, proxy: FaultProxy, client: httpx.Client
) -> None:
    proxy.set_fault(Fault.status(502).fraction(0.5))
    assert [send(client, proxy, "x").status_code for _ in range(6)] == [200, 502] * 3
    proxy.set_fault(Fault.status(502).fraction(0.25).times(2))
    statuses = [send(client, proxy, "x").status_code for _ in range(10)]
    assert statuses == [200, 200, 200, 502, 200, 200, 200, 502, 200, 200]


def test_schedule_runs_its_faults_in_order(
    api: FakeBotApi, proxy: FaultProxy, client: httpx.Client
) -> None:
    proxy.set_fault(
        Fault.status(429, retry_after=2).times(1),
        Fault.status_after_forward(500).times(1),
        Fault.drop().times(1),
    )
    assert send(client, proxy, "one").status_code == 429
    assert proxy.fault == Fault.status_after_forward(500).times(1)
    assert send(client, proxy, "two").status_code == 500
    with pytest.raises(httpx.RemoteProtocolError):
        send(client, proxy, "three")
    assert send(client, proxy, "four").status_code == 200
    assert texts(api) == ["two", "four"]
    assert (proxy.seen(), proxy.forwarded(), proxy.faulted()) == (4, 2, 3)


def test_invalid_faults_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot be limited"):
        Fault.refuse().only("sendMessage")
    with pytest.raises(ValueError, match="cannot be limited"):
        Fault.refuse().times(1)
    with pytest.raises(ValueError, match="400-599"):
        Fault.status(200)
    with pytest.raises(ValueError, match="share"):
        Fault.drop().fraction(0)
    with pytest.raises(ValueError, match="count"):
        Fault.drop().times(0)
    with pytest.raises(ValueError, match="seconds"):
        Fault.slow(-1)
    proxy = FaultProxy("http://127.0.0.1:9")
    with pytest.raises(ValueError, match="only the last"):
        proxy.set_fault(Fault.status(502), Fault.drop())
    with pytest.raises(ValueError, match="only fault"):
        proxy.set_fault(Fault.status(502).times(1), Fault.refuse())


def test_a_count_holds_under_concurrent_senders(api: FakeBotApi, proxy: FaultProxy) -> None:
    proxy.set_fault(Fault.status(502).only("sendMessage").times(10))
    statuses: list[int] = []
    lock = threading.Lock()

    def sender(chat_id: int) -> None:
        with httpx.Client(timeout=10) as own:
            for n in range(10):
                status = own.post(
                    f"{proxy.base_url}{TOKEN}/sendMessage", json={"chat_id": chat_id, "text": n}
                ).status_code
                with lock:
                    statuses.append(status)

    threads = [threading.Thread(target=sender, args=(100 + n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [200] * 30 + [502] * 10
    assert (proxy.faulted(), proxy.forwarded(), api.sent_count) == (10, 30, 30)


def test_wait_until_says_what_it_saw(proxy: FaultProxy, client: httpx.Client) -> None:
    send(client, proxy, "x")
    with pytest.raises(AssertionError, match=r"seen=\{'sendmessage': 1\}"):
        proxy.wait_until(lambda: proxy.faulted() > 0, timeout=0.05, what="a fault")
