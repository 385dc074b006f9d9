"""Handlers commit, then reply: no Bot API call waits inside a database transaction.

A reply sent before the commit could announce something a failed commit then
loses, and on SQLite it would hold the single write lock during a network call.
The conversation layer (`bot.context`) makes it so by construction: handlers
queue replies, the layer commits and only then sends them. These tests check
the construction (the layer, run with a recording database and bot), and scan
the code so that no handler goes around it.
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from telegram import Update

from bot.context import HipContext, Refused, handler, on_button
from bot.services import SERVICES_KEY, Services
from bot.settings import load_settings
from coaching.callbacks import DeleteKeep
from knowledge import KnowledgeBase
from tests.e2e.harness import TOKEN

BOT = Path(__file__).resolve().parents[2] / "bot"
HANDLERS = BOT / "handlers"
NETWORK_CALLS = {
    "answer",
    "answer_query",
    "edit_message_text",
    "edit_message_reply_markup",
    "edit_query_message",
    "reply_text",
    "send_document",
    "send_html",
    "send_message",
    "send_photo",
    "reask",
    "send_next",
}
OWN_TRANSACTION = {("privacy.py", "touch"), ("privacy.py", "retention_job")}
"""Not update handlers: the last-seen touch runs before every handler (at most once a
minute a person), the retention job on the JobQueue."""
NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def network_calls_inside_transactions() -> list[str]:
    found = []
    for path in BOT.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.AsyncWith):
                continue
            if not any("transaction" in ast.unparse(item.context_expr) for item in node.items):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Await) and isinstance(inner.value, ast.Call):
                    func = inner.value.func
                    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                    if name in NETWORK_CALLS:
                        found.append(f"{path.relative_to(BOT.parent)}:{inner.lineno}")
    return found


def test_the_scan_sees_transactions() -> None:
    assert "db.transaction()" in (BOT / "context.py").read_text()


def test_no_bot_api_call_inside_a_transaction() -> None:
    assert network_calls_inside_transactions() == []


def handler_modules() -> list[Path]:
    return sorted(HANDLERS.glob("*.py"))


def test_no_handler_opens_a_transaction_sends_directly_or_reads_button_data() -> None:
    """Handlers go through the layer: its transaction, its replies, the codec's buttons."""
    offences = []
    for path in handler_modules():
        tree = ast.parse(path.read_text())
        functions = [
            node
            for node in tree.body
            if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef | ast.ClassDef)
            and (path.name, node.name) not in OWN_TRANSACTION
        ]
        for node in (inner for function in functions for inner in ast.walk(function)):
            if isinstance(node, ast.Attribute) and node.attr in {"transaction", "data"}:
                offences.append(f"{path.name}:{node.lineno} .{node.attr}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr in NETWORK_CALLS - {"answer"} and node.func.attr != "send_photo":
                    offences.append(f"{path.name}:{node.lineno} {node.func.attr}()")
                if node.func.attr in {"split", "removeprefix", "partition"}:
                    source = ast.unparse(node.func.value)
                    if "data" in source or "query" in source:
                        offences.append(f"{path.name}:{node.lineno} {source}")
    assert offences == []
    assert handler_modules(), "the scan found no handler modules"


# --------------------------------------------------------------------- the layer itself


class EmptySession:
    """A session on a database with no rows: whoever is looked up is nobody."""

    sync_session = SimpleNamespace(identity_map={})
    autoflush = False  # nothing is ever added

    async def get(self, *args: object) -> None:
        return None

    async def execute(self, *args: object) -> SimpleNamespace:
        return SimpleNamespace(first=lambda: None)


class Recorder:
    """A database and a bot that write down, in order, what happened to them."""

    def __init__(self) -> None:
        self.events: list[str] = []

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[object]:
        self.events.append("begin")
        try:
            yield EmptySession()
        except BaseException:
            self.events.append("rollback")
            raise
        self.events.append("commit")

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> None:
        self.events.append(f"send {text}")

    async def answer_callback_query(self, *args: Any, text: str | None = None, **_: Any) -> bool:
        self.events.append(f"answer {text}")
        return True


def context_for(recorder: Recorder, kb: KnowledgeBase) -> HipContext:
    settings = load_settings(
        telegram_bot_token=TOKEN,
        telegram_api_url="http://127.0.0.1:9",
        database_url="sqlite+aiosqlite:///:memory:",
    )
    services = Services(settings=settings, db=recorder, kb=kb, clock=lambda: NOW)  # type: ignore[arg-type]
    application = SimpleNamespace(bot_data={SERVICES_KEY: services}, bot=recorder)
    return HipContext(application)  # type: ignore[arg-type]


def message_update(bot: Any, text: str = "/x") -> Update:
    chat = {"id": 42, "type": "private", "first_name": "Ann"}
    data = {
        "update_id": 1,
        "message": {
            "message_id": 5,
            "date": 0,
            "chat": chat,
            "from": {"id": 42, "is_bot": False, "first_name": "Ann", "language_code": "en"},
            "text": text,
        },
    }
    return Update.de_json(data, bot)


def tap_update(bot: Any, data: str) -> Update:
    raw = {
        "update_id": 2,
        "callback_query": {
            "id": "q1",
            "chat_instance": "c",
            "from": {"id": 42, "is_bot": False, "first_name": "Ann", "language_code": "en"},
            "message": {"message_id": 7, "date": 0, "chat": {"id": 42, "type": "private"}},
            "data": data,
        },
    }
    return Update.de_json(raw, bot)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def _bot(recorder: Recorder) -> Any:
    return recorder  # the updates' objects answer and send through it


async def test_a_reply_goes_out_after_the_commit(recorder: Recorder, kb: KnowledgeBase) -> None:
    @handler
    async def changes_then_replies(update: Update, context: HipContext) -> None:
        await context.db()
        context.reply("saved")
        recorder.events.append("handler done")

    context = context_for(recorder, kb)
    await changes_then_replies(message_update(_bot(recorder)), context)
    assert recorder.events == ["begin", "handler done", "commit", "send saved"]


async def test_a_failed_handler_rolls_back_and_says_nothing(
    recorder: Recorder, kb: KnowledgeBase
) -> None:
    @handler
    async def replies_then_fails(update: Update, context: HipContext) -> None:
        await context.db()
        context.reply("saved")
        raise RuntimeError("the commit would have failed")

    context = context_for(recorder, kb)
    with pytest.raises(RuntimeError):
        await replies_then_fails(message_update(_bot(recorder)), context)
    assert recorder.events == ["begin", "rollback"]


async def test_a_refusal_rolls_back_and_says_only_the_refusal(
    recorder: Recorder, kb: KnowledgeBase
) -> None:
    @handler
    async def refuses(update: Update, context: HipContext) -> None:
        await context.db()
        context.reply("saved")
        raise Refused("no")

    context = context_for(recorder, kb)
    await refuses(message_update(_bot(recorder)), context)
    assert recorder.events == ["begin", "rollback", "send no"]


async def test_every_tap_is_answered_once_and_first(recorder: Recorder, kb: KnowledgeBase) -> None:
    @on_button(DeleteKeep)
    async def says_something(update: Update, context: HipContext, button: DeleteKeep) -> None:
        context.reply("kept")

    context = context_for(recorder, kb)
    bot = _bot(recorder)
    await says_something(tap_update(bot, "pv:keep"), context)
    assert recorder.events == ["answer None", "send kept"]
    recorder.events.clear()
    await says_something(tap_update(bot, "pv:forged"), context)
    stale = kb.ui_text("stale_button", "en")
    assert recorder.events == ["begin", "commit", f"answer {stale}"]
