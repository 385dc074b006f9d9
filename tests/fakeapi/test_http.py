"""The fake over plain HTTP, without PTB: auth, encodings, long polling, shutdown."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest

from fakeapi import FakeBotApi, FakeUser, WaitTimeout

TOKEN = "42:abcdefghijklmnopqrstuvwxyz"


def call(api: FakeBotApi, method: str, token: str = TOKEN, **params: Any) -> tuple[int, Any]:
    """POST a JSON body; return (HTTP status, decoded reply)."""
    request = urllib.request.Request(
        f"{api.base_url}{token}/{method}",
        data=json.dumps(params).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_token_and_unknown_method(api: FakeBotApi) -> None:
    assert call(api, "getMe", token="nope")[0] == 401
    status, body = call(api, "getMe")
    assert status == 200 and body["result"]["id"] == 42 and body["result"]["is_bot"]
    status, body = call(api, "sendPigeon")
    assert (status, body["description"]) == (404, "Not Found")


def test_json_and_form_encodings(api: FakeBotApi) -> None:
    FakeUser(api, 7, started=True)
    keyboard = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    status, body = call(api, "sendMessage", chat_id=7, text="json", reply_markup=keyboard)
    assert status == 200 and body["result"]["reply_markup"] == keyboard
    form = urllib.parse.urlencode({"chat_id": "7", "text": "form"}).encode()
    with urllib.request.urlopen(f"{api.base_url}{TOKEN}/sendMessage", form, timeout=5) as reply:
        assert json.load(reply)["result"]["text"] == "form"
    assert [m.text for m in api.messages(7)] == ["json", "form"]
    assert api.messages(7)[0].buttons == [[("Go", "go")]]
    assert [c.method for c in api.calls] == ["sendMessage", "sendMessage"]


def test_each_recorded_message_and_edit_names_its_chat(api: FakeBotApi) -> None:
    FakeUser(api, 7, started=True)
    FakeUser(api, 8, started=True)
    changed: list[int] = []
    api.on_event = changed.append
    first = call(api, "sendMessage", chat_id=7, text="one")[1]["result"]["message_id"]
    call(api, "sendMessage", chat_id=8, text="two")
    call(api, "editMessageText", chat_id=7, message_id=first, text="one, edited")
    assert call(api, "sendMessage", chat_id=9, text="nobody")[0] == 400
    assert call(api, "sendChatAction", chat_id=8, action="typing")[0] == 200
    assert changed == [7, 8, 7]


def test_long_poll_returns_when_update_arrives(api: FakeBotApi) -> None:
    ann = FakeUser(api, 9)
    threading.Timer(0.1, ann.send_text, ("late",)).start()
    status, body = call(api, "getUpdates", timeout=5)
    # A poll that had run out would have answered an empty list.
    assert status == 200 and body["result"][0]["message"]["text"] == "late"
    update_id = body["result"][0]["update_id"]
    assert call(api, "getUpdates", offset=update_id + 1)[1]["result"] == []
    assert api.pending_updates == 0


def test_stop_answers_pending_long_poll(api: FakeBotApi) -> None:
    replies: list[tuple[int, Any]] = []
    poller = threading.Thread(target=lambda: replies.append(call(api, "getUpdates", timeout=30)))
    poller.start()
    api.wait_until(lambda: api.waiting_polls == 1, timeout=2)
    api.stop()
    poller.join(5)  # well before the poll's own 30 s
    assert not poller.is_alive()
    assert replies and replies[0][1]["result"] == []


def test_wait_timeout_says_what_was_received(api: FakeBotApi) -> None:
    ann = FakeUser(api, 11)
    ann.send_text("hi")
    call(api, "sendMessage", chat_id=11, text="something else")
    with pytest.raises(WaitTimeout, match="something else"):
        ann.wait_message(contains="welcome", timeout=0.1)


def test_group_needs_introduction(api: FakeBotApi) -> None:
    status, body = call(api, "sendMessage", chat_id=-5, text="hi")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    coach = FakeUser(api, 12)
    api.add_bot_to_group(-5, "Runners", coach)
    assert call(api, "sendMessage", chat_id=-5, text="hi")[0] == 200
    updates = call(api, "getUpdates")[1]["result"]
    assert updates[0]["my_chat_member"]["new_chat_member"]["status"] == "member"


def test_standalone_module_prints_its_url() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "fakeapi", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        root = process.stdout.readline().strip()
        assert root.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{root}/bot{TOKEN}/getMe", timeout=5) as reply:
            assert json.load(reply)["ok"] is True
    finally:
        process.terminate()
        process.wait(5)
