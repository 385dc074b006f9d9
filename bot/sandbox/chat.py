"""The sandbox: the real bot against a built-in Bot API server, with the chat in this terminal.

Type as you would in Telegram; a number picks a button of the latest keyboard
(start with ' to send a number as text); lines starting with ! talk to the sandbox
itself (!help).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sys
from pathlib import Path
from typing import TextIO

from bot.app import ALLOWED_UPDATES, build_application
from bot.sandbox.clock import ShiftableClock
from bot.sandbox.terminal import format_buttons, html_to_terminal
from bot.settings import Settings, load_settings
from coaching import migrate
from coaching.db import Database
from coaching.reminders.models import ReminderSettings
from fakeapi import BotEvent, FakeBotApi, FakeUser, WaitTimeout
from knowledge import load_knowledge

SANDBOX_TOKEN = "100000:sandbox-token-not-for-telegram"  # noqa: S105 - never leaves this machine
NEXT_WAIT_STEPS = 12
SANDBOX_HELP = """sandbox commands:
  !ff 90m | !ff 2h | !ff 1d   move the bot's clock forward (scheduled messages come due)
  !next                       move the clock to just after your next scheduled message
  !time                       show the bot's clock
  !help                       this text
  !quit                       leave (or Ctrl-D)
A number picks a button of the latest keyboard; start with ' to send a number as text."""


class SandboxChat:
    def __init__(
        self,
        api: FakeBotApi,
        user: FakeUser,
        clock: ShiftableClock,
        db: Database,
        files_dir: Path,
        out: TextIO,
    ) -> None:
        self.api, self.user, self.clock, self.db = api, user, clock, db
        self.files_dir = files_dir
        self.out = out
        self.color = out.isatty()
        self.buttons: list[str | None] = []
        self.buttons_message: int | None = None
        self.cursor = 0

    def show(self, event: BotEvent) -> None:
        message = event.message
        raw = message.raw_text if message.parse_mode else None
        body = html_to_terminal(raw, self.color) if raw is not None else (event.text or "")
        head = "bot (edited)" if event.kind == "edit" else "bot"
        lines = [f"\n── {head} ──", body] if body else [f"\n── {head} ──"]
        if message.file is not None and event.kind == "message":
            self.files_dir.mkdir(parents=True, exist_ok=True)
            name = Path(message.file.filename or f"{message.kind}.bin").name
            path = self.files_dir / f"{message.message_id}-{name}"
            path.write_bytes(message.file.data)
            lines.append(f"[{message.kind} saved to {path}]")
        if event.buttons:
            shown, self.buttons = format_buttons(event.buttons)
            self.buttons_message = event.message_id
            lines.append(shown)
        elif event.message_id == self.buttons_message:
            self.buttons, self.buttons_message = [], None
        print("\n".join(lines), file=self.out, flush=True)

    async def print_bot_output(self) -> None:
        chat = self.user.chat_id
        while True:
            try:
                index, event = await asyncio.to_thread(
                    self.api.wait_event, chat, self.cursor, lambda e: True, 1.0
                )
            except WaitTimeout:
                continue
            self.cursor = index + 1
            self.show(event)

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False when the user wants to leave."""
        text = line.strip()
        if not text:
            return True
        if text.startswith("!"):
            if text.split()[0] == "!next":
                await self._next()
                return True
            return self._sandbox_command(text[1:].split())
        if text.isdigit() and self.buttons:
            number = int(text)
            if 1 <= number <= len(self.buttons) and self.buttons_message is not None:
                self.user.tap_data(self.buttons_message, self.buttons[number - 1] or "")
                return True
            self.say(f"(no button {number}; pick 1–{len(self.buttons)})")
            return True
        if text.startswith("'"):
            text = text[1:]
        if text.startswith("/"):
            command, _, rest = text.partition(" ")
            self.user.send_command(command, payload=rest or None)
        else:
            self.user.send_text(text)
        return True

    async def _upcoming(self) -> list[dt.datetime]:
        async with self.db.transaction() as session:
            settings = await session.get(ReminderSettings, self.user.user_id)
        if settings is None:
            return []
        due = [settings.next_tip_at, settings.next_warmup_at, settings.next_checkin_at]
        return [moment for moment in due if moment is not None]

    async def _next(self) -> None:
        upcoming = await self._upcoming()
        for _ in range(NEXT_WAIT_STEPS):  # a new athlete is scheduled by the next planning pass
            if upcoming:
                break
            await asyncio.sleep(0.5)
            upcoming = await self._upcoming()
        if not upcoming:
            self.say("(nothing scheduled yet: finish /start, then try again in a moment)")
            return
        self.clock.jump_to(min(upcoming) + dt.timedelta(seconds=30))
        self.say(f"(bot clock now {self.clock():%Y-%m-%d %H:%M} UTC, at your next message)")

    def _sandbox_command(self, words: list[str]) -> bool:
        if not words or words[0] == "help":
            self.say(SANDBOX_HELP)
        elif words[0] in {"quit", "exit", "q"}:
            return False
        elif words[0] == "time":
            self.say(f"(bot clock: {self.clock():%Y-%m-%d %H:%M} UTC)")
        elif words[0] == "ff" and len(words) == 2:
            try:
                self.clock.forward(words[1])
            except ValueError:
                self.say("(use !ff 90m, !ff 2h or !ff 1d)")
            else:
                self.say(f"(bot clock now {self.clock():%Y-%m-%d %H:%M} UTC)")
        else:
            self.say("(unknown sandbox command; !help lists them)")
        return True


def sandbox_settings(base: Settings, api: FakeBotApi, as_coach_id: int | None) -> Settings:
    database = base.data_dir / "sandbox.sqlite3"
    admin_ids = set(base.admin_ids) | ({as_coach_id} if as_coach_id is not None else set())
    return load_settings(
        telegram_bot_token=SANDBOX_TOKEN,
        telegram_api_url=api.root_url,
        database_url=f"sqlite+aiosqlite:///{database}",
        data_dir=base.data_dir,
        admin_ids=",".join(str(i) for i in sorted(admin_ids)),
        webhook_url="",
        # Check often, so that what `!ff` makes due shows up within a couple of seconds.
        plan_interval_seconds=2,
        dispatch_interval_seconds=1,
    )


async def run_sandbox(
    base: Settings,
    user_id: int,
    first_name: str,
    language: str,
    as_coach: bool,
    out: TextIO = sys.stdout,
) -> None:
    with FakeBotApi() as api:
        settings = sandbox_settings(base, api, user_id if as_coach else None)
        url = settings.effective_database_url
        await asyncio.to_thread(migrate.upgrade, url)
        clock = ShiftableClock()
        db = Database(url)
        application = build_application(settings, db, load_knowledge(), clock=clock)
        user = FakeUser(api, user_id, first_name=first_name, language_code=language)
        chat = SandboxChat(api, user, clock, db, settings.data_dir / "sandbox-files", out)
        await application.initialize()
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES
        )
        printer = asyncio.create_task(chat.print_bot_output())
        chat.say(f"Hip Coach sandbox: you are user {user_id} ({first_name}). !help for help.")
        user.send_command("/start")
        try:
            while True:
                try:
                    line = await asyncio.to_thread(input)
                except EOFError:
                    break
                if not await chat.handle(line):
                    break
        finally:
            printer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await printer
            await application.updater.stop()
            await application.stop()
            await application.shutdown()
