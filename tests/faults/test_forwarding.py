"""Healthy, the proxy is invisible: requests and responses pass as they came."""

from __future__ import annotations

import threading

import httpx

from fakeapi import FakeBotApi, FakeUser
from fakeapi.faults import FILE_DOWNLOAD, FaultProxy
from tests.faults.conftest import CHAT, TOKEN, call, send, texts


def test_json_call_and_answer_pass_through(
    api: FakeBotApi, proxy: FaultProxy, client: httpx.Client
) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    reply = call(
        client,
        proxy,
        "sendMessage",
        chat_id=CHAT,
        text="<b>hi</b>",
        parse_mode="HTML",
        reply_markup=keyboard,
    )
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/json")
    result = reply.json()["result"]
    assert (result["text"], result["reply_markup"]) == ("hi", keyboard)
    assert api.messages(CHAT)[0].raw_text == "<b>hi</b>"
    assert (proxy.seen("sendMessage"), proxy.forwarded("SENDMESSAGE"), proxy.faulted()) == (1, 1, 0)


def test_form_and_query_string_pass_through(
    api: FakeBotApi, proxy: FaultProxy, client: httpx.Client
) -> None:
    form = client.post(
        f"{proxy.base_url}{TOKEN}/sendMessage", data={"chat_id": "7", "text": "form"}
    )
    query = client.get(
        f"{proxy.base_url}{TOKEN}/sendMessage", params={"chat_id": "7", "text": "a&b"}
    )
    assert (form.status_code, query.status_code) == (200, 200)
    assert texts(api) == ["form", "a&b"]


def test_upstream_errors_pass_through(
    api: FakeBotApi, proxy: FaultProxy, client: httpx.Client
) -> None:
    reply = call(client, proxy, "sendMessage", chat_id=CHAT, text="5 < 7", parse_mode="HTML")
    assert reply.status_code == 400
    assert reply.json()["description"].startswith("Bad Request: can't parse entities")
    assert client.post(f"{proxy.base_url}nope/getMe").status_code == 401
    assert proxy.forwarded() == 2 and proxy.faulted() == 0


def test_multipart_upload_and_file_download(
    api: FakeBotApi, proxy: FaultProxy, client: httpx.Client
) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB, not text: any re-encoding would show
    reply = client.post(
        f"{proxy.base_url}{TOKEN}/sendDocument",
        data={"chat_id": str(CHAT), "caption": "plan"},
        files={"document": ("plan.bin", data, "application/octet-stream")},
    )
    assert reply.status_code == 200
    document = reply.json()["result"]["document"]
    assert api.messages(CHAT)[0].data == data
    path = call(client, proxy, "getFile", file_id=document["file_id"]).json()["result"]["file_path"]
    download = client.get(f"{proxy.base_file_url}{TOKEN}/{path}")
    assert download.status_code == 200 and download.content == data
    assert proxy.forwarded(FILE_DOWNLOAD) == 1
    assert proxy.seen() == 3


def test_long_poll_passes_through(api: FakeBotApi, proxy: FaultProxy, client: httpx.Client) -> None:
    replies: list[httpx.Response] = []
    poller = threading.Thread(
        target=lambda: replies.append(call(client, proxy, "getUpdates", timeout=5))
    )
    poller.start()
    api.wait_until(lambda: api.waiting_polls == 1, timeout=5)
    FakeUser(api, CHAT).send_text("late")
    poller.join(5)
    assert replies[0].json()["result"][0]["message"]["text"] == "late"


def test_urls_and_counts_per_method(api: FakeBotApi) -> None:
    with FaultProxy(api.root_url) as proxy, httpx.Client(timeout=10) as client:
        assert proxy.port > 0
        assert proxy.base_url == f"http://127.0.0.1:{proxy.port}/bot"
        assert proxy.base_file_url == f"http://127.0.0.1:{proxy.port}/file/bot"
        send(client, proxy, "one")
        assert call(client, proxy, "getMe").json()["ok"] is True
        assert (proxy.seen("sendMessage"), proxy.seen("getme"), proxy.seen()) == (1, 1, 2)
