"""The outbox's HTTP lane: what each Bot API answer means for a message that may have gone out."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web

from bot.sender import BotApiSender, outcome_of, request_for
from coaching.db import Database
from scheduler.pacing import FREE, WINDOW, SharedPace
from scheduler.sender import Outcome, OutgoingMessage

TOKEN = "123456:TEST-token-never-logged"


def _body(**fields: object) -> bytes:
    return json.dumps(fields).encode()


@pytest.mark.parametrize(
    ("status", "body", "outcome", "failing"),
    [
        (200, _body(ok=True, result={"message_id": 7}), Outcome.SENT, False),
        (
            429,
            _body(ok=False, description="Too Many Requests", parameters={"retry_after": 9}),
            Outcome.RETRY,
            False,
        ),
        (403, _body(ok=False, description="Forbidden: bot was blocked"), Outcome.BLOCKED, False),
        (400, _body(ok=False, description="Bad Request: chat not found"), Outcome.BLOCKED, False),
        (400, _body(ok=False, description="Bad Request: can't parse"), Outcome.FAILED, False),
        (502, b"<html>Bad Gateway</html>", Outcome.RETRY, True),
        (503, _body(ok=False, description="Service Unavailable"), Outcome.RETRY, True),
        (504, b"", Outcome.RETRY, True),
        (500, _body(ok=False, description="Internal Server Error"), Outcome.UNKNOWN, True),
        (520, b"", Outcome.UNKNOWN, True),
        (401, _body(ok=False, description="Unauthorized"), Outcome.RETRY, True),
        (
            400,
            _body(
                ok=False,
                description="Bad Request: group chat was upgraded to a supergroup chat",
                parameters={"migrate_to_chat_id": -1001},
            ),
            Outcome.RETRY,
            False,
        ),
    ],
)
def test_each_answer_says_whether_the_message_may_have_gone_out(
    status: int, body: bytes, outcome: Outcome, failing: bool
) -> None:
    result = outcome_of(status, body)
    assert (result.outcome, result.failing) == (outcome, failing)
    if status == 429:
        assert result.retry_after == 9
    if status == 200:
        assert result.message_id == 7
    if b"migrate_to_chat_id" in body:
        assert result.migrated_to == -1001


def test_photo_goes_out_with_send_photo_and_the_text_as_caption() -> None:
    method, params = request_for(OutgoingMessage(1, "<b>hi</b>", photo="FILE-ID"))
    assert method == "sendPhoto"
    assert (params["photo"], params["caption"], params["parse_mode"]) == (
        "FILE-ID",
        "<b>hi</b>",
        "HTML",
    )
    assert "allow_paid_broadcast" not in params


def test_only_paid_messages_ask_for_a_paid_broadcast() -> None:
    assert "allow_paid_broadcast" not in request_for(OutgoingMessage(1, "free"))[1]
    assert request_for(OutgoingMessage(1, "paid", paid=True))[1]["allow_paid_broadcast"] is True
    method, params = request_for(OutgoingMessage(1, "", photo="F", paid=True))
    assert method == "sendPhoto" and params["allow_paid_broadcast"] is True
    assert "caption" not in params


def test_buttons_become_an_inline_keyboard() -> None:
    _, params = request_for(OutgoingMessage(1, "hi", [[("Done", "rm:1:d"), ("Skip", "rm:1:s")]]))
    assert params["reply_markup"] == {
        "inline_keyboard": [
            [
                {"text": "Done", "callback_data": "rm:1:d"},
                {"text": "Skip", "callback_data": "rm:1:s"},
            ]
        ]
    }


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def stub() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    """A Bot API stand-in on loopback whose answer each test chooses."""
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> str:
        app = web.Application()
        app.router.add_post("/{path:.*}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


async def test_a_refused_connection_is_surely_not_sent() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = BotApiSender(f"http://127.0.0.1:{port}", TOKEN)
    try:
        result = await sender.send(OutgoingMessage(1, "hi"))
    finally:
        await sender.close()
    assert (result.outcome, result.failing) == (Outcome.RETRY, True)
    assert TOKEN not in (result.error or "")


async def test_no_answer_in_time_may_have_been_sent(
    stub: Callable[[Handler], Awaitable[str]],
) -> None:
    arrived = asyncio.Event()
    release = asyncio.Event()

    async def swallow(request: web.Request) -> web.Response:
        arrived.set()
        await release.wait()
        return web.json_response({"ok": True, "result": {"message_id": 1}})

    sender = BotApiSender(await stub(swallow), TOKEN, read_timeout=0.5)
    try:
        result = await sender.send(OutgoingMessage(1, "hi"))
    finally:
        release.set()
        await sender.close()
    assert arrived.is_set()
    assert (result.outcome, result.failing) == (Outcome.UNKNOWN, True)
    assert TOKEN not in (result.error or "")


async def test_a_sent_message_reports_its_id_and_the_request_is_json(
    stub: Callable[[Handler], Awaitable[str]],
) -> None:
    seen: list[tuple[str, dict[str, object]]] = []

    async def answer(request: web.Request) -> web.Response:
        seen.append((request.path, await request.json()))
        return web.json_response({"ok": True, "result": {"message_id": 42}})

    sender = BotApiSender(await stub(answer), TOKEN)
    try:
        result = await sender.send(OutgoingMessage(5, "<b>hi</b>"))
    finally:
        await sender.close()
    assert (result.outcome, result.message_id) == (Outcome.SENT, 42)
    [(path, params)] = seen
    assert path == f"/bot{TOKEN}/sendMessage"
    assert params == {"chat_id": 5, "text": "<b>hi</b>", "parse_mode": "HTML"}


async def test_a_paced_send_counts_from_when_its_request_is_written(
    stub: Callable[[Handler], Awaitable[str]], db: Database
) -> None:
    """A send whose request is written late (a busy loop: its turn came, the write did not)
    counts from the write: the send a second after it waits for that, and Telegram never
    sees more than the limit within a second."""
    pace = SharedPace(db, FREE, 10)
    arrivals: list[float] = []

    async def answer(request: web.Request) -> web.Response:
        arrivals.append(time.monotonic())
        return web.json_response({"ok": True, "result": {"message_id": 1}})

    sender = BotApiSender(await stub(answer), TOKEN)

    async def send(written_after: float) -> None:
        await pace.reply_turn()
        await asyncio.sleep(written_after)
        await sender.send(OutgoingMessage(1, "hi"))

    try:
        await asyncio.gather(send(0.3), *(send(0) for _ in range(pace.limit)))
    finally:
        await sender.close()
    arrivals.sort()
    assert len(arrivals) == pace.limit + 1
    for first, then in zip(arrivals, arrivals[pace.limit :], strict=False):
        assert then - first >= WINDOW
