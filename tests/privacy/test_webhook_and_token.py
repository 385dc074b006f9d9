"""`hipcoach run` with a webhook, as a process: the secret is enforced, the token never logged."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakeapi import FakeBotApi, FakeUser
from tests.e2e.harness import TOKEN, BotProcess, hipcoach_command
from tests.waits import eventually_sync

SECRET = "s3cret-Webhook_value"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class WebhookBotProcess(BotProcess):
    """`hipcoach run` with WEBHOOK_URL/WEBHOOK_SECRET: ready once the webhook is registered."""

    def __init__(self, api: FakeBotApi, data_dir: Path, **env: str) -> None:
        self.port = free_port()
        super().__init__(
            api,
            data_dir,
            WEBHOOK_URL=f"http://127.0.0.1:{self.port}",
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_LISTEN="127.0.0.1",
            PORT=str(self.port),
            **env,
        )
        self.url = f"http://127.0.0.1:{self.port}/telegram"

    def start(self, timeout: float = 30.0) -> WebhookBotProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own console script
            [*hipcoach_command(), "run"],
            env=self.environment(),
            cwd=self.data_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while not self._exited() and not self._listening():
            if time.monotonic() > deadline:
                raise AssertionError(f"the webhook server did not start:\n{self.log()}")
            time.sleep(0.05)
        if self._exited():
            raise AssertionError(f"hipcoach exited early:\n{self.log()}")
        return self

    def _listening(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def post(self, update: dict[str, object], secret: str | None) -> int:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        request = urllib.request.Request(  # noqa: S310 - loopback http in a test
            self.url, data=json.dumps(update).encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code


def help_update(update_id: int, user_id: int) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "X"},
            "from": {"id": user_id, "is_bot": False, "first_name": "X", "language_code": "en"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


@pytest.fixture
def bot(api: FakeBotApi, tmp_path: Path) -> Iterator[WebhookBotProcess]:
    process = WebhookBotProcess(api, tmp_path / "data", LOG_LEVEL="DEBUG")
    yield process
    if process.process is not None and process.process.poll() is None:
        process.kill()


def test_webhook_requires_the_secret_and_token_never_logged(
    api: FakeBotApi, bot: WebhookBotProcess
) -> None:
    bot.start()
    for update_id, (user_id, secret) in enumerate(
        [(8101, None), (8102, "wrong"), (8103, SECRET[:-1]), (8104, "")], start=1
    ):
        assert bot.post(help_update(update_id, user_id), secret) == 403
    FakeUser(api, 8105, started=True)  # the fake knows the chat the hand-built update is from
    assert bot.post(help_update(10, 8105), SECRET) == 200
    FakeUser(api, 8106).send_command("/help")  # delivered by the fake, with the secret
    for user_id in (8105, 8106):
        api.wait_event(user_id, 0, lambda e: "/privacy" in (e.text or ""), 10)
    # Refused updates were answered 403 before they were read: nothing of them is queued.
    for user_id in (8101, 8102, 8103, 8104):
        assert api.messages(user_id) == [], f"update without the right secret ran ({user_id})"

    # Bot API failures: the error path logs, and still must not leak the token.
    api.fail_next("sendMessage", count=2, error_code=400, description="Bad Request: chat not found")
    api.fail_next("answerCallbackQuery", count=1, error_code=500, description="Internal error")
    ann = FakeUser(api, 8107)
    ann.send_command("/help")
    ann.send_command("/privacy")
    api.wait_until(lambda: bool(api.messages(8107)), 15, "a reply after the failures")
    ann.tap_data(api.messages(8107)[-1].message_id, "st:1:2:3")
    eventually_sync(
        lambda: "update failed" in bot.log() or "Error" in bot.log(), "the failures to be logged"
    )

    bot.kill()
    log = bot.log()
    secret_part = TOKEN.split(":", 1)[1]
    assert TOKEN not in log and secret_part not in log
    assert SECRET not in log
    for chat in (8105, 8106, 8107):
        for message in api.messages(chat):
            assert secret_part not in (message.raw_text or "")


MIB = 1024 * 1024


def post_stream(port: int, size: int, secret: str | None, *, chunked: bool = False) -> int:
    """POST `size` bytes in 64 KiB pieces (never all in memory here either)."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    if not chunked:
        headers["Content-Length"] = str(size)
    piece = b" " * (64 * 1024)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "POST",
            "/telegram",
            body=(piece for _ in range(size // len(piece))),
            headers=headers,
            encode_chunked=chunked,
        )
        return connection.getresponse().status
    finally:
        connection.close()


def peak_memory(pid: int) -> int:
    """The process's peak resident memory in bytes (VmHWM: it never goes down)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc/<pid>/status")


def test_a_large_body_is_refused_without_being_read(
    api: FakeBotApi, bot: WebhookBotProcess
) -> None:
    bot.start()
    assert bot.process is not None
    before = peak_memory(bot.process.pid)

    assert post_stream(bot.port, 90 * MIB, secret=None) == 403
    assert post_stream(bot.port, 90 * MIB, secret="wrong") == 403
    assert post_stream(bot.port, 90 * MIB, secret=SECRET) == 413  # declared too large
    assert post_stream(bot.port, 4 * MIB, secret=SECRET, chunked=True) == 413  # grew too large

    assert peak_memory(bot.process.pid) - before < 30 * MIB
    FakeUser(api, 8201, started=True)
    assert bot.post(help_update(20, 8201), SECRET) == 200  # and it still serves Telegram
    api.wait_event(8201, 0, lambda e: "/privacy" in (e.text or ""), 10)
