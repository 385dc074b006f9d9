"""The sandbox: the real bot against a built-in Bot API server, with the chat in this terminal.

One process, one fake Telegram, several people: type as you would in
Telegram, as whoever you are now (`!as 1002`, `!as coach`, `!who`); what the
bot sends someone else waits in their chat and is shown when you switch to
them. A number picks a button of the latest keyboard (start with ' to send a
number as text), `!press 3 2` the second button of message #3; lines starting
with ! talk to the sandbox itself (!help). The bot's log goes to a file in the
data directory, not into the chat; its clock, the people and the database are
kept there too, so the sandbox goes on where it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import mimetypes
import os
import sys
from pathlib import Path
from typing import TextIO

from bot.app import ALLOWED_UPDATES, build_application
from bot.logging_setup import setup_logging
from bot.sandbox.clock import ShiftableClock
from bot.sandbox.people import DEFAULT_COACH_ID, DEFAULT_COACH_NAME, People, Person
from bot.sandbox.terminal import format_buttons, html_to_terminal
from bot.settings import Settings, load_settings
from coaching import migrate
from coaching.db import Database
from coaching.reminders.models import ReminderSettings
from fakeapi import BotEvent, FakeBotApi, WaitTimeout
from knowledge import load_knowledge

SANDBOX_TOKEN = "100000:sandbox-token-not-for-telegram"  # noqa: S105 - never leaves this machine
NEXT_WAIT_STEPS = 12
TOAST_WAIT = 10.0
POLL = 0.1  # seconds between looks at the fake Telegram's chats
SANDBOX_HELP = """sandbox commands:
  !as 1002 [name] | !as coach  be someone else (new people send /start first)
  !who                        everyone here, who is a coach, and unread messages
  !group Club chat            add the bot to a new group chat (you are in it)
  !join -1001 | !in -1001 /linkgroup CODE   be in a group chat | write there
  !press 3 2                  press button 2 of the bot's message #3
  !file path/to/run.fit       send a file;  !photo path/to/pic.jpg [caption]  a photo
  !location 60.17 24.94       share a location
  !ff 90m | !ff 2h | !ff 1d   move the bot's clock forward (scheduled messages come due)
  !next                       move the clock to just after your next scheduled message
  !time                       show the bot's clock
  !help                       this text
  !quit                       leave (or Ctrl-D)
A number picks a button of the latest keyboard; start with ' to send a number as text."""
MAGIC = {b"\x89PNG": ".png", b"\xff\xd8\xff": ".jpg", b"GIF8": ".gif", b"%PDF": ".pdf"}


def saved_name(message_id: int, filename: str | None, kind: str, data: bytes) -> str:
    """A file name that opens: the sender's name, else one from the bytes (a chart is .png)."""
    if filename:
        return f"{message_id}-{Path(filename).name}"
    suffix = next((ext for magic, ext in MAGIC.items() if data.startswith(magic)), ".bin")
    return f"{message_id}-{kind}{suffix}"


class SandboxChat:
    def __init__(
        self,
        api: FakeBotApi,
        people: People,
        clock: ShiftableClock,
        db: Database,
        files_dir: Path,
        out: TextIO,
    ) -> None:
        self.api, self.people, self.clock, self.db = api, people, clock, db
        self.files_dir = files_dir
        self.out = out
        # Styles only on a terminal that shows them (not TERM=dumb, not NO_COLOR).
        self.color = (
            out.isatty() and os.environ.get("TERM") != "dumb" and "NO_COLOR" not in os.environ
        )
        self.toasts: set[asyncio.Task[None]] = set()

    @property
    def me(self) -> Person:
        return self.people.current

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    # ------------------------------------------------------------------ the bot's output

    def show(self, person: Person, event: BotEvent) -> None:
        message = event.message
        raw = message.raw_text if message.parse_mode else None
        body = html_to_terminal(raw, self.color) if raw is not None else (event.text or "")
        head = f"bot #{message.message_id}" + (" (edited)" if event.kind == "edit" else "")
        where = person.name
        if message.chat_id < 0:
            where = f"{self.people.groups.get(message.chat_id, 'group')} [{message.chat_id}]"
        lines = [f"\n── {head} → {where} ──"]
        if body:
            lines.append(body)
        if message.file is not None and event.kind == "message":
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / saved_name(
                message.message_id, message.file.filename, message.kind, message.file.data
            )
            path.write_bytes(message.file.data)
            lines.append(f"[{message.kind} saved to {path}]")
        if event.buttons:
            shown, person.buttons = format_buttons(event.buttons)
            person.buttons_message, person.buttons_chat = event.message_id, message.chat_id
            lines.append(shown)
        elif event.message_id == person.buttons_message and message.chat_id == person.buttons_chat:
            person.buttons, person.buttons_message = [], None
        self.say("\n".join(lines))

    async def print_bot_output(self) -> None:
        """Print what the bot sends whoever you are now, in their private chat and their
        group chats; others' messages wait for them."""
        while True:
            person = self.me
            for chat, shown in list(person.shown.items()):
                for index, event in enumerate(self.api.events(chat, shown), start=shown):
                    person.shown[chat] = index + 1
                    self.show(person, event)
            await asyncio.sleep(POLL)

    # ------------------------------------------------------------------ typed lines

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False when the user wants to leave."""
        text = line.strip()
        if not text:
            return True
        if text.startswith("!"):
            return await self._sandbox_command(text[1:].split())
        me = self.me
        if text.isdigit() and me.buttons:
            number = int(text)
            if 1 <= number <= len(me.buttons) and me.buttons_message is not None:
                self._tap(me.buttons_message, me.buttons[number - 1] or "", me.buttons_chat)
                return True
            self.say(f"(no button {number}; pick 1–{len(me.buttons)})")
            return True
        if text.startswith("'"):
            text = text[1:]
        if text.startswith("/"):
            command, _, rest = text.partition(" ")
            me.user.send_command(command, payload=rest or None)
        else:
            me.user.send_text(text)
        return True

    def _tap(self, message_id: int, data: str, chat_id: int | None = None) -> None:
        query_id = self.me.user.tap_data(message_id, data, chat_id=chat_id)
        task = asyncio.create_task(self._toast(query_id))
        self.toasts.add(task)
        task.add_done_callback(self.toasts.discard)

    async def _toast(self, query_id: str) -> None:
        """Show the bot's answer to a tap (Telegram's toast), if it said anything."""
        try:
            record = await asyncio.to_thread(self.api.wait_callback_answered, query_id, TOAST_WAIT)
        except WaitTimeout:
            self.say("(the bot did not answer that tap)")
            return
        if record.answer_text:
            self.say(f"(toast: {record.answer_text})")

    async def _sandbox_command(self, words: list[str]) -> bool:
        command, args = (words[0], words[1:]) if words else ("help", [])
        if command in {"quit", "exit", "q"}:
            return False
        handlers = {
            "as": self._switch,
            "who": self._who,
            "group": self._group,
            "join": self._join,
            "in": self._in_group,
            "press": self._press,
            "file": self._file,
            "photo": self._photo,
            "location": self._location,
            "next": self._next,
            "time": self._time,
            "ff": self._forward,
        }
        found = handlers.get(command)
        if found is None:
            self.say(SANDBOX_HELP if command == "help" else "(unknown sandbox command; !help)")
            return True
        await found(args)
        return True

    async def _switch(self, args: list[str]) -> None:
        if not args:
            self.say("(use !as 1002 [name], or !as coach)")
            return
        if args[0] == "coach":
            person = self.people.coach()
            if person is None:
                person = self.people.add(DEFAULT_COACH_ID, DEFAULT_COACH_NAME, started=True)
                await self.people.make_coach(person)
        elif args[0].isdigit() and 0 < int(args[0]) < 2**52:
            user_id = int(args[0])
            known = user_id in self.people.everyone
            name = " ".join(args[1:]) or f"Runner {user_id}"
            person = self.people.add(user_id, name)
            if not known:
                self.people.current_id = user_id
                self.say(f"(you are now {person.name}, user {user_id}; saying /start)")
                person.user.send_command("/start")
                self.people.save()
                return
        else:
            self.say("(use !as 1002 [name], or !as coach)")
            return
        self.people.current_id = person.user_id
        self.people.save()
        waiting = self.people.unread(person)
        role = "coach" if person.coach else "athlete"
        self.say(f"(you are now {person.name}, user {person.user_id}, {role}; {waiting} unread)")

    async def _who(self, args: list[str]) -> None:
        await self.people.refresh_roles()
        for person in self.people.everyone.values():
            marker = "→" if person is self.me else " "
            role = "coach" if person.coach else "athlete"
            unread = self.people.unread(person)
            self.say(f"{marker} {person.user_id} {person.name} ({role}) {unread} unread")

    async def _group(self, args: list[str]) -> None:
        title = " ".join(args) or "Club chat"
        chat_id = self.people.new_group(title, self.me)
        self.say(f"({self.me.name} added the bot to the group chat {title} [{chat_id}])")

    async def _join(self, args: list[str]) -> None:
        chat_id = int(args[0]) if args and args[0].lstrip("-").isdigit() else 0
        if chat_id not in self.people.groups:
            self.say(f"(no such group chat; there are: {self.people.groups or 'none'})")
            return
        self.people.join(self.me, chat_id)
        self.say(f"({self.me.name} is now in {self.people.groups[chat_id]}: its posts show here)")

    async def _in_group(self, args: list[str]) -> None:
        chat_id = int(args[0]) if args and args[0].lstrip("-").isdigit() else 0
        if chat_id not in self.me.shown or chat_id >= 0 or len(args) < 2:
            self.say("(use !in <group chat id> <text or /command>, in a group you are in)")
            return
        text = " ".join(args[1:])
        if text.startswith("/"):
            command, _, rest = text.partition(" ")
            self.me.user.send_command(command, payload=rest or None, chat_id=chat_id)
        else:
            self.me.user.send_text(text, chat_id=chat_id)

    async def _press(self, args: list[str]) -> None:
        if len(args) != 2 or not all(a.isdigit() for a in args):
            self.say("(use !press <message number> <button number>, e.g. !press 3 2)")
            return
        message_id, number = int(args[0]), int(args[1])
        try:
            message = self.api.message(self.me.user.chat_id, message_id)
        except KeyError:
            self.say(f"(no message #{message_id} in this chat)")
            return
        datas = [data for row in message.buttons for _, data in row]
        if not 1 <= number <= len(datas):
            self.say(f"(message #{message_id} has {len(datas)} buttons)")
            return
        self._tap(message_id, datas[number - 1] or "")

    def _read(self, args: list[str]) -> tuple[Path, bytes] | None:
        if not args:
            self.say("(give a path)")
            return None
        path = Path(args[0]).expanduser()
        try:
            return path, path.read_bytes()
        except OSError as exc:
            self.say(f"(cannot read {path}: {exc.strerror})")
            return None

    async def _file(self, args: list[str]) -> None:
        found = self._read(args)
        if found is not None:
            path, data = found
            mime, _ = mimetypes.guess_type(path.name)
            self.me.user.send_document(path.name, data, mime)

    async def _photo(self, args: list[str]) -> None:
        found = self._read(args)
        if found is not None:
            path, data = found
            self.me.user.send_photo(data, " ".join(args[1:]) or None, filename=path.name)

    async def _location(self, args: list[str]) -> None:
        try:
            latitude, longitude = (float(a) for a in args)
        except ValueError:
            self.say("(use !location 60.17 24.94)")
            return
        self.me.user.send_location(latitude, longitude)

    async def _upcoming(self) -> list[dt.datetime]:
        """What is scheduled still to come. A moment `!ff` has passed is left to the
        planner: it sends what is still in time and moves the schedule on."""
        async with self.db.transaction() as session:
            settings = await session.get(ReminderSettings, self.me.user_id)
        if settings is None:
            return []
        due = [settings.next_tip_at, settings.next_warmup_at, settings.next_checkin_at]
        now = self.clock()
        return [moment for moment in due if moment is not None and moment > now]

    async def _next(self, args: list[str]) -> None:
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

    async def _time(self, args: list[str]) -> None:
        self.say(f"(bot clock: {self.clock():%Y-%m-%d %H:%M} UTC)")

    async def _forward(self, args: list[str]) -> None:
        try:
            self.clock.forward(args[0] if len(args) == 1 else "")
        except ValueError:
            self.say("(use !ff 90m, !ff 2h or !ff 1d)")
        else:
            self.say(f"(bot clock now {self.clock():%Y-%m-%d %H:%M} UTC)")


def sandbox_settings(base: Settings, api: FakeBotApi) -> Settings:
    database = base.data_dir / "sandbox.sqlite3"
    return load_settings(
        telegram_bot_token=SANDBOX_TOKEN,
        telegram_api_url=api.root_url,
        database_url=f"sqlite+aiosqlite:///{database}",
        data_dir=base.data_dir,
        admin_ids=",".join(str(i) for i in sorted(base.admin_ids)),
        webhook_url="",
        # Check often, so that what `!ff` makes due shows up within a couple of seconds.
        plan_interval_seconds=2,
        dispatch_interval_seconds=1,
    )


async def _cast(people: People, user_id: int, first_name: str, as_coach: bool) -> bool:
    """Everyone from an earlier run, then you; True if you are new (and should /start)."""
    people.load()
    new = user_id not in people.everyone
    me = people.add(user_id, first_name, started=not new or as_coach)
    people.current_id = user_id
    if as_coach:
        await people.make_coach(me)
    await people.refresh_roles()
    return new and not as_coach


async def run_sandbox(
    base: Settings,
    user_id: int,
    first_name: str,
    language: str,
    as_coach: bool,
    out: TextIO = sys.stdout,
) -> None:
    data = base.data_dir
    data.mkdir(parents=True, exist_ok=True)
    log_path = data / "sandbox.log"
    with FakeBotApi() as api, log_path.open("a", encoding="utf-8") as log:
        setup_logging(base.log_level, [SANDBOX_TOKEN], stream=log)
        settings = sandbox_settings(base, api)
        url = settings.effective_database_url
        await asyncio.to_thread(migrate.upgrade, url)
        clock = ShiftableClock(data / "sandbox-clock.json")
        db = Database(url)
        people = People(api, db, data / "sandbox-people.json", language)
        starting = await _cast(people, user_id, first_name, as_coach)
        application = build_application(settings, db, load_knowledge(), clock=clock)
        chat = SandboxChat(api, people, clock, db, data / "sandbox-files", out)
        await application.initialize()
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES
        )
        printer = asyncio.create_task(chat.print_bot_output())
        role = "a coach" if people.current.coach else "an athlete"
        chat.say(
            f"Hip Coach sandbox: you are user {user_id} ({first_name}), {role}. "
            f"!help for help; the bot's log is in {log_path}."
        )
        if starting:
            people.current.user.send_command("/start")
        elif people.current.coach:
            chat.say("(as a coach: /newgroup Tuesday Track, /athletes, /broadcast, /timezone)")
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
