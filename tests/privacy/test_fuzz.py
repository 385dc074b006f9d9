"""Hostile and random input: thousands of updates from several users, nothing breaks.

The real Application (every handler, the error handler, the last-seen touch)
processes updates built as Telegram would send them, one at a time through
`application.process_update`, while its bot talks to the fake Bot API over
HTTP. Hypothesis draws each example's sequence: random and huge text, unusual
unicode, commands known and unknown with random arguments (one user is a
coach, so coach commands and their buttons run too), taps on real buttons,
forged or stale callback data, and /linkgroup in a group chat, sometimes from
an anonymous admin (no user). Forged data is drawn for every kind of button the
codec (`coaching.callbacks`) knows: its prefixes with random tails, each kind's
shape with other users' ids, and numbers a forged client can send (non-ASCII
digits such as "²", 40 digits for SQLite, 12 for PostgreSQL's INTEGER). After
every update:

- no handler raised (an error-handler spy saw nothing),
- a callback query was answered, a private message (or a group command) got at
  least one reply,

and after every example: at most one active self-test per athlete, and no row
references a row that does not exist.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select
from telegram import Chat, Update
from telegram.ext import Application, ContextTypes

from bot.app import build_application
from bot.settings import Settings, load_settings
from coaching import callbacks
from coaching.base import Base
from coaching.db import Database
from coaching.models import SelftestSession
from fakeapi import FakeBotApi
from knowledge import load_knowledge
from tests.e2e.harness import TOKEN
from tests.privacy.dbcheck import foreign_key_orphans

USERS = (9101, 9102, 9103)
COACH = 9103  # an admin: coach commands and buttons are fuzzed, not only refused
GROUP_ID = -1009104
GROUP_CHAT: dict[str, Any] = {"id": GROUP_ID, "type": "supergroup", "title": "Trail \u202eclub\x00"}
ANONYMOUS_ADMIN_BOT = {  # what Telegram puts in `from` for an anonymous admin, if anything
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
EXAMPLES = 60
UPDATES_PER_EXAMPLE = (33, 45)  # plus a /start from each user: >= 36 updates per example
COMMANDS = (
    "start", "selftest", "results", "plan", "settings", "pause", "resume", "snooze",
    "cadence", "cancel", "help", "privacy", "export", "delete",
    "leave", "newgroup", "groups", "athletes", "stats", "broadcast", "broadcasts",
    "invite_coach", "linkgroup", "stop", "admin", "coach", "join", "Start", "x" * 40,
)  # fmt: skip
COACH_COMMANDS = ("newgroup", "broadcast", "broadcasts", "athletes", "groups", "leave")
PREFIXES = tuple(f"{prefix}:" for prefix in callbacks.PREFIXES) + ("bc:", "co:", "")
# "²" and "١" pass str.isdigit() but not int(); 40 digits overflow SQLite's integers;
# 12 digits (and 2**31) overflow PostgreSQL's INTEGER, the type of every id in a button.
BAD_NUMBERS = ("²", "١٢", "9" * 40, "9" * 12, "2147483648", "-1", "+1", " 1", "1\n", "")
UNUSUAL = (
    "\u202eevil\u202c",  # right-to-left override
    "a\u200b\u200c\u200db",  # zero-width characters
    "\ufeff",  # byte order mark
    "🏃‍♀️🦵🏽💥",
    "<b>bold</b><script>alert(1)</script>&amp;&lt;",
    "' OR 1=1; DROP TABLE athlete; --",
    "Europe/Helsinki",
    "+02:00",
    "07:30",
    "25:99",
    "\x00\x01\x7f",
    "ا" * 300,
)

text_strategy = st.one_of(
    st.text(min_size=1, max_size=50),
    st.sampled_from(UNUSUAL),
    st.text(min_size=4000, max_size=5000, alphabet="ab <&>🏃\u202e"),
    st.builds(lambda s, n: (s * n)[:4096], st.text(min_size=1, max_size=5), st.integers(1, 900)),
)
args_strategy = st.one_of(
    st.just(""),
    st.text(max_size=30).map(lambda s: " " + s),
    st.integers(-(10**20), 10**20).map(lambda n: f" {n}"),
    st.sampled_from([" 7", " 0", " -1", " 99999", " grp_ABCDEF123456", " nan", " 1e309"]),
)
number = st.one_of(st.integers(0, 40).map(str), st.sampled_from(BAD_NUMBERS))
session_choice = st.one_of(
    st.integers(-3, 30).map(str),
    st.sampled_from(["a", "b", "-b", "-s", "-x", "", "999999999999", "1" * 20, "²"]),
)
words = st.sampled_from(
    ["yes", "no", "other", "done", "edit", "ok", "0", "6", "7", "0700", "2460", "tip", "tz"]
)
value = st.one_of(
    words, number, st.sampled_from(["Europe/Helsinki", "Mars/Base"]), st.text(max_size=20)
)
SHAPES: dict[type[callbacks.Button], st.SearchStrategy[str]] = {
    callbacks.SelftestStart: st.sampled_from(["st:new", "st:consent", "st:resume"]),
    callbacks.SelftestAnswer: st.builds(
        "st:{}:{}:{}".format, number, st.integers(-1, 30).map(str), session_choice
    ),
    callbacks.OnboardingAnswer: st.builds(
        "ob:{}:{}".format, st.sampled_from([*callbacks.ONBOARDING_VALUES, "x"]), value
    ),
    callbacks.SettingsButton: st.one_of(
        st.sampled_from(sorted(callbacks.SETTINGS_MENUS)).map("set:{}".format),
        st.builds("set:{}:{}".format, st.sampled_from([*callbacks.SETTINGS_VALUES, "x"]), value),
    ),
    callbacks.DeleteConfirm: st.builds(
        "pv:del:{}".format, st.one_of(st.integers(0, 10**12).map(str), number)
    ),
    callbacks.DeleteKeep: st.just("pv:keep"),
    callbacks.WithdrawConsent: st.just("pv:withdraw"),
    callbacks.WarmupAnswer: st.builds("rm:{}:{}".format, number, st.sampled_from("dszx")),
    callbacks.CheckinAnswer: st.builds("ci:{}:s:{}".format, number, st.sampled_from("01239")),
    callbacks.SwimAnswer: st.builds("ci:{}:w:{}".format, number, st.sampled_from("ynx")),
    callbacks.GroupJoin: st.builds(
        "gj:{}:{}".format,
        st.text(alphabet="ABCabc0123²", max_size=14),
        st.sampled_from("ynx"),
    ),
    callbacks.GroupLink: st.builds("gl:{}".format, number),
    callbacks.GroupExport: st.builds("gx:{}".format, number),
    callbacks.GroupLeave: st.builds("gq:{}{}".format, number, st.sampled_from(["", ":y", ":n"])),
    callbacks.GroupsPage: st.builds("gp:{}".format, number),
    callbacks.LeavePage: st.builds("gv:{}".format, number),
    callbacks.GroupManage: st.builds(
        "gm:{}:{}".format, number, st.sampled_from([*callbacks.GROUP_ACTIONS, "zz"])
    ),
    callbacks.ResultsPage: st.builds("rp:{}".format, number),
    callbacks.DraftStep: st.builds(
        "bd:{}:{}{}".format,
        number,
        st.sampled_from([*callbacks.DRAFT_ACTIONS, "zz"]),
        st.one_of(st.just(""), number.map(":{}".format), st.sampled_from([":hip_drop", ":no"])),
    ),
    callbacks.BroadcastCancel: st.builds(
        "bx:{}{}".format, number, st.sampled_from(["", ":y", ":n"])
    ),
    callbacks.BroadcastResend: st.builds("br:{}".format, number),
    callbacks.PlanShow: st.just("cd:p"),
    callbacks.CardOpen: st.builds(
        "cd:i:{}:{}".format,
        st.sampled_from(["strength_a", "prerun_activation", "hip_thrust", "gone_item", "Tip"]),
        st.sampled_from("pncx"),
    ),
    callbacks.CardStep: st.builds(
        "cd:x:{}:{}:{}".format,
        st.sampled_from(["strength_b", "prerun_activation", "hip_thrust", "gone_item"]),
        number,
        st.sampled_from("pncx"),
    ),
    callbacks.PainStart: st.just("pn:go"),
    callbacks.PainAnswer: st.builds(
        "pn:a:{}".format, st.text(alphabet="0123456789abz", max_size=10)
    ),
    callbacks.LevelChange: st.builds("lv:{}".format, st.sampled_from("dux")),
    callbacks.AthleteList: st.builds(
        "al:{}:{}:{}".format, st.sampled_from([*callbacks.LIST_FILTERS, "x"]), number, number
    ),
    callbacks.AthleteCardOpen: st.builds(
        "ac:{}:{}:{}:{}".format,
        st.one_of(number, st.sampled_from(["2001", "2002", "9001"])),
        st.sampled_from([*callbacks.LIST_FILTERS, "x"]),
        number,
        number,
    ),
    callbacks.NudgePreview: st.builds(
        "np:{}:{}".format, st.sampled_from([*callbacks.LIST_FILTERS, "x"]), number
    ),
    callbacks.NudgeSend: st.builds(
        "ns:{}:{}:{}".format,
        st.sampled_from([*callbacks.LIST_FILTERS, "x"]),
        number,
        st.one_of(st.integers(0, 10**12).map(str), number),
    ),
    callbacks.BroadcastList: st.builds("bl:{}".format, number),
    callbacks.BroadcastDetails: st.builds("bi:{}".format, number),
    callbacks.ReplyToCoach: st.builds("rc:{}".format, number),
    callbacks.QuestionButton: st.builds("q:{}:{}".format, number, st.sampled_from("yxz")),
}
"""Each kind's shape with ids that may be someone else's, out of range, or not ASCII."""

forged_strategy = st.one_of(
    st.text(max_size=80),
    st.tuples(st.sampled_from(PREFIXES), st.text(max_size=40)).map("".join),
    st.tuples(st.sampled_from(PREFIXES), number).map("".join),
    *SHAPES.values(),
)
tap = st.tuples(st.just("tap"), st.sampled_from(USERS), st.integers(0, 10**6))
command = st.tuples(
    st.just("command"),
    st.sampled_from(USERS),
    st.tuples(st.sampled_from(COMMANDS), args_strategy),
)
action_strategy = st.one_of(
    st.tuples(st.just("text"), st.sampled_from(USERS), text_strategy),
    command,
    st.tuples(st.just("command"), st.sampled_from(USERS), st.just(("selftest", ""))),
    st.tuples(
        st.just("command"),
        st.just(COACH),
        st.tuples(st.sampled_from(COACH_COMMANDS), args_strategy),
    ),
    *[tap] * 6,
    st.tuples(st.just("forged"), st.sampled_from(USERS), forged_strategy),
    st.tuples(st.just("forged"), st.sampled_from(USERS), forged_strategy),
    st.tuples(
        st.just("group"),
        st.sampled_from(USERS),
        st.tuples(st.sampled_from(["anonymous", "anonymous_bot", "user"]), args_strategy),
    ),
)
START = [("command", user, ("start", "")) for user in USERS]
NUMBERED = (
    "st:{}:0:a", "rm:{}:d", "rm:{}:z", "ci:{}:s:1", "ci:{}:w:y", "pv:del:{}", "gl:{}", "gx:{}",
    "gq:{}", "bd:{}:now", "bd:{}:x", "bd:1:g:{}", "bx:{}", "br:{}", "set:day:{}", "set:lead:{}",
    "set:td:{}", "ob:days:{}",
    "al:all:{}:0", "ac:{}:all:0:0", "np:untested:{}", "ns:untested:0:{}", "bl:{}", "bi:{}",
    "rc:{}", "q:{}:y", "cd:x:bridge:{}:p",
    "gq:{}:y", "bx:{}:y", "gm:{}:r", "gm:{}:ay", "gm:{}:u", "gp:{}", "gv:{}", "rp:{}",
)  # fmt: skip
EXPLICIT = [
    ("forged", COACH, template.format(number))
    for template in NUMBERED
    for number in ("²", "9" * 40, "9" * 12)
]
"""Run in every test: each id-carrying kind with a non-ASCII digit, 40 digits and 12 digits
(from the coach, so coach buttons get past the coach check to the parsing)."""


class Fuzzer:
    """The application, its fake API and database, and a driver for one update at a time."""

    def __init__(self, api: FakeBotApi, url: str) -> None:
        self.api = api
        self.url = url
        overrides: dict[str, Any] = {}
        if "send_rate_limit" in Settings.model_fields:
            overrides["send_rate_limit"] = 0  # no pacing: this is not a flood test
        config = load_settings(
            telegram_bot_token=TOKEN,
            telegram_api_url=api.root_url,
            database_url=url,
            admin_ids=frozenset({COACH}),
            **overrides,
        )
        api.register_chat(Chat.de_json(GROUP_CHAT, None))
        self.db = Database(url)
        self.application: Application = build_application(config, self.db, load_knowledge())  # type: ignore[type-arg]
        if not overrides:  # older Settings: switch the rate limiter off by hand
            self.application.bot._rate_limiter = None  # noqa: SLF001
        self.errors: list[BaseException] = []
        self.application.add_error_handler(self._spy)
        self.update_ids = itertools.count(1)
        self.processed = 0
        self.stats: dict[str, int] = {}

    async def _spy(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.errors.append(context.error or RuntimeError("error handler ran without an error"))

    def user(self, user_id: int) -> dict[str, Any]:
        lang = {9101: "en", 9102: "fi", 9103: None}[user_id]
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"U{user_id}"}
        if lang:
            user["language_code"] = lang
        return user

    def chat(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "type": "private", "first_name": f"U{user_id}"}

    def message_update(self, user_id: int, text: str, command: bool) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self.api.new_message_id(user_id),
            "date": int(time.time()),
            "chat": self.chat(user_id),
            "from": self.user(user_id),
            "text": text,
        }
        if command:
            length = len(text.split(" ", 1)[0].encode("utf-16-le")) // 2
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": next(self.update_ids), "message": message}

    def group_update(self, user_id: int, sender: str, args: str) -> dict[str, Any]:
        """/linkgroup in the group chat: from a user, or from an anonymous admin (as the
        group, with no `from`, or with Telegram's placeholder bot in it)."""
        text = f"/linkgroup{args}"[:4096]
        message: dict[str, Any] = {
            "message_id": self.api.new_message_id(GROUP_ID),
            "date": int(time.time()),
            "chat": GROUP_CHAT,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len("/linkgroup")}],
        }
        if sender == "user":
            message["from"] = self.user(user_id)
        else:
            message["sender_chat"] = GROUP_CHAT
            if sender == "anonymous_bot":
                message["from"] = ANONYMOUS_ADMIN_BOT
        return {"update_id": next(self.update_ids), "message": message}

    def bot_messages(self, user_id: int) -> list[Any]:
        return [m for m in self.api.messages(user_id) if not m.deleted and m.kind == "text"]

    def callback_update(self, user_id: int, data: str, pick: int) -> tuple[dict[str, Any], str]:
        """A tap on one of the bot's messages in the user's chat (forged data or a real button)."""
        shown = self.bot_messages(user_id)
        message = shown[-1 - pick % min(len(shown), 5)]
        query_id = self.api.new_callback_query(user_id, user_id, message.message_id, data)
        bot = self.api.bot_user()
        shown_message: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": self.chat(user_id),
            "from": bot.to_dict(),
            "text": message.text or "",
        }
        if message.reply_markup:
            shown_message["reply_markup"] = message.reply_markup
        query = {
            "id": query_id,
            "from": self.user(user_id),
            "chat_instance": f"ci{user_id}",
            "message": shown_message,
            "data": data,
        }
        return {"update_id": next(self.update_ids), "callback_query": query}, query_id

    async def run(self, action: tuple[str, int, Any]) -> None:
        kind, user_id, value = action
        query_id: str | None = None
        replies_in = user_id
        if kind == "group":
            raw, replies_in = self.group_update(user_id, *value), GROUP_ID
        elif kind == "text":
            raw = self.message_update(user_id, value, command=value.startswith("/"))
        elif kind == "command":
            name, args = value
            raw = self.message_update(user_id, f"/{name}{args}"[:4096], command=True)
        else:
            if not self.bot_messages(user_id):
                raw = self.message_update(user_id, "/start", command=True)
            elif kind == "tap":
                with_buttons = [m for m in self.bot_messages(user_id) if m.buttons]
                # Mostly the newest keyboard (the current step), sometimes an older one.
                recent = with_buttons[-1:] if value % 5 else with_buttons[-4:]
                buttons = [data for m in recent for row in m.buttons for _, data in row if data]
                if not buttons:
                    raw = self.message_update(user_id, "/help", command=True)
                else:
                    data = buttons[value % len(buttons)]
                    raw, query_id = self.callback_update(user_id, data, 0)
            else:
                raw, query_id = self.callback_update(user_id, value, len(value))
        before = self.api.event_count(replies_in)
        update = Update.de_json(raw, self.application.bot)
        await self.application.process_update(update)
        self.processed += 1
        if self.errors:
            raise AssertionError(f"update raised {self.errors[0]!r}: {raw!r}") from self.errors[0]
        if query_id is not None:
            assert self.api.callback_query(query_id).answered, f"unanswered: {raw!r}"
        else:
            assert self.api.event_count(replies_in) > before, f"no reply to {raw!r}"

    async def check_database(self) -> None:
        async with self.db.transaction() as session:
            active = await session.execute(
                select(SelftestSession.athlete_id, func.count())
                .where(SelftestSession.status == "active")
                .group_by(SelftestSession.athlete_id)
            )
            assert all(count <= 1 for _, count in active.all())
            assert await foreign_key_orphans(session) == []
            for name in (
                "athlete",
                "selftest_session",
                "reminder_settings",
                "training_group",
                "broadcast_draft",
            ):
                table = Base.metadata.tables[name]
                count = await session.scalar(select(func.count()).select_from(table))
                self.stats[name] = self.stats.get(name, 0) + (count or 0)

    async def reset(self) -> None:
        async with self.db.transaction() as session:
            for table in reversed(Base.metadata.sorted_tables):
                await session.execute(delete(table))


@pytest.fixture
def fuzzer(database_url: str) -> Iterator[tuple[Fuzzer, asyncio.AbstractEventLoop]]:
    """On the migrated test database: SQLite, or PostgreSQL in that run (TEST_DATABASE_URL),
    which refuses what SQLite stores (a NUL byte in text, an id past INTEGER)."""
    loop = asyncio.new_event_loop()
    # The users' updates are built by hand, not by FakeUser: any private chat is one that
    # has started the bot. Flood limits are off: this is not a flood test.
    with FakeBotApi(strict_chats=False) as api:
        api.private_burst = api.group_per_minute = None
        fuzz = Fuzzer(api, database_url)
        loop.run_until_complete(fuzz.application.initialize())
        try:
            yield fuzz, loop
        finally:
            loop.run_until_complete(fuzz.application.shutdown())
            loop.run_until_complete(fuzz.db.dispose())
            loop.close()


def test_random_updates_never_break_the_bot(
    fuzzer: tuple[Fuzzer, asyncio.AbstractEventLoop],
) -> None:
    fuzz, loop = fuzzer

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(
        st.lists(action_strategy, min_size=UPDATES_PER_EXAMPLE[0], max_size=UPDATES_PER_EXAMPLE[1])
    )  # noqa: E501
    @example(EXPLICIT)
    def sequence(actions: list[tuple[str, int, Any]]) -> None:
        async def go() -> None:
            await fuzz.reset()
            for action in START + actions:
                await fuzz.run(action)
            await fuzz.check_database()

        fuzz.errors.clear()
        loop.run_until_complete(go())

    sequence()
    assert fuzz.processed >= 2000, fuzz.processed
    # The random walk got past onboarding into the self-test, not just bounced off /start.
    assert fuzz.stats["reminder_settings"] > 0 and fuzz.stats["selftest_session"] > 0, fuzz.stats
    # The coach got somewhere too, and group-chat commands (anonymous ones included) were sent.
    assert fuzz.stats["training_group"] + fuzz.stats["broadcast_draft"] > 0, fuzz.stats
    assert fuzz.api.event_count(GROUP_ID) > 0


def test_every_button_kind_is_fuzzed() -> None:
    assert set(SHAPES) == set(callbacks.KINDS)
    prefixes = {data.split(":", 1)[0] for _, _, data in EXPLICIT}
    numbered = {kind.PREFIX for kind in callbacks.KINDS if kind.PATTERN.pattern.count("[0-9]")}
    assert numbered <= prefixes
