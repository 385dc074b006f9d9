"""Running the real bot against the fake Bot API, in-process or as a `hipcoach` process."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.app import ALLOWED_UPDATES, build_application
from bot.settings import load_settings
from coaching import migrate
from coaching.db import Database
from fakeapi import BotEvent, FakeBotApi, FakeUser
from knowledge import load_knowledge

TOKEN = "123456:" + "A" * 35


def hipcoach_command() -> list[str]:
    script = Path(sys.executable).with_name("hipcoach")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


class BotProcess:
    """`hipcoach run` as a child process, so a test can kill -9 it and start it again."""

    def __init__(
        self, api: FakeBotApi, data_dir: Path, database_url: str | None = None, **env: str
    ) -> None:
        self.api = api
        self.data_dir = data_dir
        self.database_url = database_url or sqlite_url(data_dir / "hipcoach.sqlite3")
        self.embedded = database_url is None
        self.log_path = data_dir / "bot.log"
        self.extra_env = env
        self.process: subprocess.Popen[bytes] | None = None

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
        env.pop("DATABASE_URL", None)
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=self.api.root_url,
            DATA_DIR=str(self.data_dir),
            LOG_LEVEL="INFO",
        )
        if not self.embedded:
            env["DATABASE_URL"] = self.database_url
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 30.0) -> BotProcess:
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
        self.api.wait_until(
            lambda: self.api.waiting_polls > 0 or self._exited(),
            timeout,
            "the bot to start long polling",
        )
        if self._exited():
            raise AssertionError(f"hipcoach exited early:\n{self.log()}")
        return self

    def _exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def kill(self) -> None:
        """kill -9: no shutdown code runs, as in a crash or a power cut."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)
        self.api.wait_until(lambda: self.api.waiting_polls == 0, 10, "the killed poll to end")

    def terminate(self, timeout: float = 20.0) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@asynccontextmanager
async def running_bot(
    api: FakeBotApi, database_url: str, *, api_url: str | None = None, **settings: Any
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """The real Application in this event loop, long polling the fake API (directly, or
    through `api_url`, e.g. a fault-injecting proxy in front of it)."""
    await asyncio.to_thread(migrate.upgrade, database_url)
    config = load_settings(
        telegram_bot_token=TOKEN,
        telegram_api_url=api_url or api.root_url,
        database_url=database_url,
        **settings,
    )
    application = build_application(config, Database(database_url), load_knowledge())
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES
    )
    try:
        yield application
    finally:
        await stop_bot(application)


async def stop_bot(application: Application) -> None:  # type: ignore[type-arg]
    """Stop the bot as `bot.runner` does when it runs for real, `post_shutdown` included: it
    closes the bot's database (left open, its connections' threads outlive the test's
    loop), gives back what the dispatcher claimed and stops the analysis workers."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


def has_button(label: str) -> Callable[[BotEvent], bool]:
    return lambda event: any(text == label for row in event.buttons for text, _ in row)


async def tap_when_shown(user: FakeUser, label: str, contains: str | None = None) -> None:
    """Wait for a message offering the button, tap it there, and wait for the answer."""
    shown = await user.wait_message_async(contains=contains, predicate=has_button(label))
    await user.wait_callback_answered_async(user.tap(label, in_message=shown))
