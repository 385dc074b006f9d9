"""Inline-button data: one typed codec for every button the bot and the scheduler show.

Telegram hands back whatever string a button carried, and anyone can send any
string: a modified client, an old message, a forwarded keyboard. So button data
is built and read in this one place, strictly. Each kind of button is a small
frozen dataclass with `encode()`; `parse(data)` returns the typed button or
raises `InvalidButton`, and handlers answer that with "this button is from an
older message" and change nothing.

    data = WarmupAnswer(delivery_id=42, action="d").encode()   # "rm:42:d"
    match parse(data):
        case WarmupAnswer(delivery_id=delivery_id, action=action): ...

What is refused here rather than deeper down:

- anything but the exact shape of a kind (`re.fullmatch`: no trailing newline);
- integers that are not plain ASCII digits (`str.isdigit()` accepts "²", which
  `int()` then rejects) or that do not fit the column they name: every id we
  put in a button is a PostgreSQL INTEGER, so a 12-digit id (too big for int32
  on PostgreSQL) or a 40-digit one (too big for SQLite) never reaches a query;
- data over Telegram's 64 bytes (UTF-8): `encode()` refuses to build it.

`encode()` checks its own output by parsing it back, so a button this module
builds is always one it accepts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal, TypeAlias, cast

MAX_BYTES = 64
"""Telegram's limit on `callback_data`, counted in UTF-8 bytes."""

INT32_MAX = 2**31 - 1
"""Every id in button data is a PostgreSQL INTEGER primary key."""

UNIX_TIME_MAX = 10**11 - 1
"""A unix time in seconds (year 5138): bounded so `int()` never sees a huge string."""

_ID = r"([0-9]{1,10})"


class InvalidButton(ValueError):
    """Button data that is not one of ours: forged, garbled, or from an older version."""


def _int(text: str, maximum: int) -> int:
    """An integer already matched as ASCII digits, refused above `maximum`."""
    value = int(text)
    if value > maximum:
        raise InvalidButton(text)
    return value


def _checked(button: Button, data: str) -> str:
    """`data` if it fits Telegram's limit and parses back to `button`; else `InvalidButton`."""
    size = len(data.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise InvalidButton(f"{size} bytes, over Telegram's {MAX_BYTES}: {data[:70]!r}")
    if parse(data) != button:
        raise InvalidButton(f"{button!r} does not encode to valid data")
    return data


# --------------------------------------------------------------------- self-test


@dataclass(frozen=True)
class SelftestStart:
    """Start a new self-test, agree to the consent it needs first, or resume one."""

    PREFIX: ClassVar[str] = "st"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"st:(new|consent|resume)")

    action: Literal["new", "consent", "resume"]

    def encode(self) -> str:
        return _checked(self, f"st:{self.action}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> SelftestStart:
        return cls(cast(Literal["new", "consent", "resume"], match[1]))


@dataclass(frozen=True)
class SelftestAnswer:
    """An answer to one step of one session: an option id, or an action such as "-b" (back)."""

    PREFIX: ClassVar[str] = "st"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(
        rf"st:{_ID}:([0-9]{{1,3}}):(-[a-z]|[a-z][a-z0-9_]{{0,11}})"
    )

    session_id: int
    step_index: int
    choice: str

    def encode(self) -> str:
        return _checked(self, f"st:{self.session_id}:{self.step_index}:{self.choice}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> SelftestAnswer:
        return cls(_int(match[1], INT32_MAX), int(match[2]), match[3])


# --------------------------------------------------------------------- onboarding

_ZONE = r"[A-Za-z][A-Za-z0-9_+/-]{0,56}"
_HHMM = r"(?:[01][0-9]|2[0-3])[0-5][0-9]"

ONBOARDING_VALUES: Mapping[str, re.Pattern[str]] = {
    "consent": re.compile(r"yes|no|back"),
    "tz": re.compile(_ZONE),  # a zone name, "other", or "back"
    "days": re.compile(r"[0-6]|done|none|back"),  # none: no run days, after the note
    "time": re.compile(rf"{_HHMM}|back"),
    "tri": re.compile(r"yes|no|back"),
    "review": re.compile(r"edit|ok"),
}
"""Each onboarding step (`coaching.onboarding.Step`, plus "review") and its values."""


@dataclass(frozen=True)
class OnboardingAnswer:
    """`ob:<step>:<value>`; the domain refuses it unless `step` is the athlete's current one."""

    PREFIX: ClassVar[str] = "ob"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"ob:([a-z]{1,10}):(.{1,60})", re.DOTALL)

    step: str
    value: str

    def encode(self) -> str:
        return _checked(self, f"ob:{self.step}:{self.value}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> OnboardingAnswer:
        values = ONBOARDING_VALUES.get(match[1])
        if values is None or values.fullmatch(match[2]) is None:
            raise InvalidButton(match[0])
        return cls(match[1], match[2])


# --------------------------------------------------------------------- settings

SETTINGS_MENUS = frozenset({"menu", "close", "days", "rt", "tt", "ct", "td", "cd", "lead", "tz"})
"""`set:<what>` with no value: the main menu, closing it, or one setting's submenu."""

SETTINGS_VALUES: Mapping[str, re.Pattern[str]] = {
    "tog": re.compile(r"[a-z_]{1,16}"),  # a `coaching.reminders.Toggle`
    "type": re.compile(r"[a-z_]{1,16}"),  # a `coaching.reminders.Draft`
    "day": re.compile(r"[0-6]"),  # a run day, switched on or off
    "td": re.compile(r"[0-6]"),
    "cd": re.compile(r"[0-6]"),
    "rt": re.compile(_HHMM),
    "tt": re.compile(_HHMM),
    "ct": re.compile(_HHMM),
    "lead": re.compile(r"[0-9]{1,3}"),
    "tz": re.compile(_ZONE),
}
"""`set:<what>:<value>`: the values each setting takes (the domain checks their range)."""


@dataclass(frozen=True)
class SettingsButton:
    """A /settings button: open a menu (no value) or set one thing to `value`."""

    PREFIX: ClassVar[str] = "set"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"set:([a-z]{1,8})(?::(.{1,60}))?", re.DOTALL)

    what: str
    value: str = ""

    def encode(self) -> str:
        tail = f":{self.value}" if self.value else ""
        return _checked(self, f"set:{self.what}{tail}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> SettingsButton:
        what, value = match[1], match[2]
        if value is None:
            if what not in SETTINGS_MENUS:
                raise InvalidButton(match[0])
            return cls(what)
        values = SETTINGS_VALUES.get(what)
        if values is None or values.fullmatch(value) is None:
            raise InvalidButton(match[0])
        return cls(what, value)


# --------------------------------------------------------------------- privacy


@dataclass(frozen=True)
class DeleteConfirm:
    """Erase my data; `asked` is when the question was asked (unix seconds), so it expires."""

    PREFIX: ClassVar[str] = "pv"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"pv:del:([0-9]{1,11})")

    asked: int

    def encode(self) -> str:
        return _checked(self, f"pv:del:{self.asked}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> DeleteConfirm:
        return cls(_int(match[1], UNIX_TIME_MAX))


@dataclass(frozen=True)
class DeleteKeep:
    """Keep my data after all."""

    PREFIX: ClassVar[str] = "pv"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"pv:keep")

    def encode(self) -> str:
        return _checked(self, "pv:keep")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> DeleteKeep:
        return cls()


@dataclass(frozen=True)
class WithdrawConsent:
    """Withdraw consent: the health data goes, reminders stay."""

    PREFIX: ClassVar[str] = "pv"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"pv:withdraw")

    def encode(self) -> str:
        return _checked(self, "pv:withdraw")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> WithdrawConsent:
        return cls()


# --------------------------------------------------------------------- scheduled messages


@dataclass(frozen=True)
class WarmupAnswer:
    """A warm-up reminder's Done (d), Skip today (s) or Snooze (z)."""

    PREFIX: ClassVar[str] = "rm"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"rm:{_ID}:([dsz])")

    delivery_id: int
    action: Literal["d", "s", "z"]

    def encode(self) -> str:
        return _checked(self, f"rm:{self.delivery_id}:{self.action}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> WarmupAnswer:
        return cls(_int(match[1], INT32_MAX), cast(Literal["d", "s", "z"], match[2]))


@dataclass(frozen=True)
class CheckinAnswer:
    """Strength sessions this week: 0, 1, or 2 and more."""

    PREFIX: ClassVar[str] = "ci"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"ci:{_ID}:s:([012])")

    delivery_id: int
    sessions: int

    def encode(self) -> str:
        return _checked(self, f"ci:{self.delivery_id}:s:{self.sessions}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> CheckinAnswer:
        return cls(_int(match[1], INT32_MAX), int(match[2]))


@dataclass(frozen=True)
class SwimAnswer:
    """A triathlete's follow-up to a check-in: swam this week, yes or no."""

    PREFIX: ClassVar[str] = "ci"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"ci:{_ID}:w:([yn])")

    delivery_id: int
    swam: bool

    def encode(self) -> str:
        return _checked(self, f"ci:{self.delivery_id}:w:{'y' if self.swam else 'n'}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> SwimAnswer:
        return cls(_int(match[1], INT32_MAX), match[2] == "y")


# --------------------------------------------------------------------- groups


@dataclass(frozen=True)
class GroupJoin:
    """An athlete's answer to "join this training group?" (from a `grp_<code>` deep link)."""

    PREFIX: ClassVar[str] = "gj"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"gj:([A-Za-z0-9]{1,24}):([yn])")

    code: str
    accept: bool

    def encode(self) -> str:
        return _checked(self, f"gj:{self.code}:{'y' if self.accept else 'n'}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> GroupJoin:
        return cls(match[1], match[2] == "y")


@dataclass(frozen=True)
class GroupLink:
    """A coach picks the training group whose broadcasts this group chat gets."""

    PREFIX: ClassVar[str] = "gl"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"gl:{_ID}")

    group_id: int

    def encode(self) -> str:
        return _checked(self, f"gl:{self.group_id}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> GroupLink:
        return cls(_int(match[1], INT32_MAX))


@dataclass(frozen=True)
class GroupExport:
    """A coach asks for one group's overview as CSV."""

    PREFIX: ClassVar[str] = "gx"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"gx:{_ID}")

    group_id: int

    def encode(self) -> str:
        return _checked(self, f"gx:{self.group_id}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> GroupExport:
        return cls(_int(match[1], INT32_MAX))


@dataclass(frozen=True)
class GroupLeave:
    """An athlete leaves one training group (their own membership only): the first tap
    asks "sure?", the second (`sure`) leaves."""

    PREFIX: ClassVar[str] = "gq"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"gq:{_ID}(:y)?")

    group_id: int
    sure: bool = False

    def encode(self) -> str:
        return _checked(self, f"gq:{self.group_id}{':y' if self.sure else ''}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> GroupLeave:
        return cls(_int(match[1], INT32_MAX), match[2] is not None)


_PAGE = r"([0-9]{1,4})"


@dataclass(frozen=True)
class GroupsPage:
    """One page of a coach's /groups."""

    PREFIX: ClassVar[str] = "gp"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"gp:{_PAGE}")

    page: int

    def encode(self) -> str:
        return _checked(self, f"gp:{self.page}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> GroupsPage:
        return cls(int(match[1]))


@dataclass(frozen=True)
class LeavePage:
    """One page of the groups an athlete can leave (/leave)."""

    PREFIX: ClassVar[str] = "gv"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"gv:{_PAGE}")

    page: int

    def encode(self) -> str:
        return _checked(self, f"gv:{self.page}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> LeavePage:
        return cls(int(match[1]))


GROUP_ACTIONS = ("o", "r", "a", "ay", "u")
"""A group's settings: open them, rename, archive (asks), archive (sure), unlink its chats."""


@dataclass(frozen=True)
class GroupManage:
    """A coach manages one of their groups; refused unless the group is the tapper's."""

    PREFIX: ClassVar[str] = "gm"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"gm:{_ID}:(" + "|".join(GROUP_ACTIONS) + ")")

    group_id: int
    action: str

    def encode(self) -> str:
        return _checked(self, f"gm:{self.group_id}:{self.action}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> GroupManage:
        return cls(_int(match[1], INT32_MAX), match[2])


@dataclass(frozen=True)
class ResultsPage:
    """One page of an athlete's self-test history (/results), newest first."""

    PREFIX: ClassVar[str] = "rp"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"rp:{_PAGE}")

    page: int

    def encode(self) -> str:
        return _checked(self, f"rp:{self.page}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> ResultsPage:
        return cls(int(match[1]))


# --------------------------------------------------------------------- broadcasts

DRAFT_ACTIONS: Mapping[str, re.Pattern[str] | None] = {
    "x": None,  # cancel the draft
    "g": re.compile(_ID),  # audience: one group (its id)
    "m": None,  # audience: all my groups
    "a": None,  # audience: everyone (admins)
    "f": None,  # audience: athletes with a finding (asks which)
    "fv": re.compile(r"[a-z][a-z0-9_]{0,39}"),  # that finding (a fault id)
    "edit": None,  # from the preview: type the text (or caption) again, audience kept
    "back": None,
    "later": None,
    "now": None,
    "ok": None,
}
"""A broadcast draft's actions, and the argument each takes (None: no argument)."""


@dataclass(frozen=True)
class DraftStep:
    """A step of composing a broadcast; refused unless `draft_id` is the tapper's draft."""

    PREFIX: ClassVar[str] = "bd"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"bd:{_ID}:([a-z]{{1,5}})(?::(.{{1,40}}))?")

    draft_id: int
    action: str
    arg: str | None = None

    def encode(self) -> str:
        tail = f":{self.arg}" if self.arg is not None else ""
        return _checked(self, f"bd:{self.draft_id}:{self.action}{tail}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> DraftStep:
        draft_id, action, arg = _int(match[1], INT32_MAX), match[2], match[3]
        if action not in DRAFT_ACTIONS:
            raise InvalidButton(match[0])
        takes = DRAFT_ACTIONS[action]
        if (takes is None) != (arg is None):
            raise InvalidButton(match[0])
        if takes is not None and arg is not None:
            if takes.fullmatch(arg) is None:
                raise InvalidButton(match[0])
            if action == "g":
                _int(arg, INT32_MAX)
        return cls(draft_id, action, arg)


@dataclass(frozen=True)
class BroadcastCancel:
    """A coach cancels what has not been sent yet of one of their broadcasts: the first
    tap asks "sure?", the second (`sure`) cancels."""

    PREFIX: ClassVar[str] = "bx"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"bx:{_ID}(:y)?")

    broadcast_id: int
    sure: bool = False

    def encode(self) -> str:
        return _checked(self, f"bx:{self.broadcast_id}{':y' if self.sure else ''}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> BroadcastCancel:
        return cls(_int(match[1], INT32_MAX), match[2] is not None)


@dataclass(frozen=True)
class BroadcastResend:
    """A coach sends one of their broadcasts again to the recipients Telegram never
    confirmed (the report's "not confirmed"); nobody who got it is sent it twice."""

    PREFIX: ClassVar[str] = "br"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"br:{_ID}")

    broadcast_id: int

    def encode(self) -> str:
        return _checked(self, f"br:{self.broadcast_id}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> BroadcastResend:
        return cls(_int(match[1], INT32_MAX))


# --------------------------------------------------------------------- cards, pain, levels

_ITEM = r"([a-z][a-z0-9_]{0,39})"
CardOrigin = Literal["p", "n", "c"]
"""Where a card is opened from: "p" the /plan message (edited in place, Back returns to
the plan); "n" a scheduled message that must stay as it is (the card comes as a new
message); "c" inside such a card message (edited in place, no Back past its top card)."""


@dataclass(frozen=True)
class PlanShow:
    """Back to /plan, in the message the plan's cards were opened in."""

    PREFIX: ClassVar[str] = "cd"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"cd:p")

    def encode(self) -> str:
        return _checked(self, "cd:p")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> PlanShow:
        return cls()


@dataclass(frozen=True)
class CardOpen:
    """Open the card of an exercise, routine or strength session (a content id)."""

    PREFIX: ClassVar[str] = "cd"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"cd:i:{_ITEM}:([pnc])")

    item: str
    origin: CardOrigin

    def encode(self) -> str:
        return _checked(self, f"cd:i:{self.item}:{self.origin}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> CardOpen:
        return cls(match[1], cast(CardOrigin, match[2]))


@dataclass(frozen=True)
class CardStep:
    """Open the card of the `index`th exercise of a routine or session; Back returns to it."""

    PREFIX: ClassVar[str] = "cd"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"cd:x:{_ITEM}:([0-9]{{1,2}}):([pnc])")

    parent: str
    index: int
    origin: CardOrigin

    def encode(self) -> str:
        return _checked(self, f"cd:x:{self.parent}:{self.index}:{self.origin}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> CardStep:
        return cls(match[1], int(match[2]), cast(CardOrigin, match[3]))


@dataclass(frozen=True)
class PainStart:
    """The "Something hurts" button under a scheduled message: the triage starts anew."""

    PREFIX: ClassVar[str] = "pn"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"pn:go")

    def encode(self) -> str:
        return _checked(self, "pn:go")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> PainStart:
        return cls()


@dataclass(frozen=True)
class PainAnswer:
    """The triage so far, one character per answered question (`coaching.pain.DIGITS`);
    the domain refuses answers its content could not have offered."""

    PREFIX: ClassVar[str] = "pn"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"pn:a:([0-9a]{0,12})")

    answers: str

    def encode(self) -> str:
        return _checked(self, f"pn:a:{self.answers}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> PainAnswer:
        return cls(match[1])


@dataclass(frozen=True)
class LevelChange:
    """Every strength exercise one level easier ("d", "too hard") or harder ("u")."""

    PREFIX: ClassVar[str] = "lv"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"lv:([du])")

    direction: Literal["d", "u"]

    def encode(self) -> str:
        return _checked(self, f"lv:{self.direction}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> LevelChange:
        return cls(cast(Literal["d", "u"], match[1]))


# --------------------------------------------------------------------- pending questions


@dataclass(frozen=True)
class QuestionButton:
    """Confirm (y) or cancel (x) the chat's pending question (`coaching.pending`) by its id:
    refused unless that question is still the one the chat waits on."""

    PREFIX: ClassVar[str] = "q"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"q:{_ID}:([yx])")

    question_id: int
    action: Literal["y", "x"]

    def encode(self) -> str:
        return _checked(self, f"q:{self.question_id}:{self.action}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> QuestionButton:
        return cls(_int(match[1], INT32_MAX), cast(Literal["y", "x"], match[2]))


# --------------------------------------------------------------------- the coach's console

LIST_FILTERS = ("all", "untested", "strength", "silent", "pain")
"""`coaching.console.Filter` values (the codec imports nothing of the domain)."""
_FILTER = "(" + "|".join(LIST_FILTERS) + ")"


@dataclass(frozen=True)
class AthleteList:
    """One page of the coach's athletes: all groups (`group_id` 0) or one, maybe filtered."""

    PREFIX: ClassVar[str] = "al"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"al:{_FILTER}:{_ID}:{_PAGE}")

    which: str
    group_id: int
    page: int

    def encode(self) -> str:
        return _checked(self, f"al:{self.which}:{self.group_id}:{self.page}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> AthleteList:
        return cls(match[1], _int(match[2], INT32_MAX), int(match[3]))


@dataclass(frozen=True)
class AthleteCardOpen:
    """One athlete's card, opened from a page of the list (Back returns to that page);
    refused unless the athlete shares with the tapper."""

    PREFIX: ClassVar[str] = "ac"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"ac:([0-9]{{1,15}}):{_FILTER}:{_ID}:{_PAGE}")

    athlete_id: int
    which: str
    group_id: int
    page: int

    def encode(self) -> str:
        return _checked(self, f"ac:{self.athlete_id}:{self.which}:{self.group_id}:{self.page}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> AthleteCardOpen:
        # A Telegram user id, not a table id: up to 2**52, a BIGINT everywhere.
        return cls(_int(match[1], 2**53), match[2], _int(match[3], INT32_MAX), int(match[4]))


@dataclass(frozen=True)
class NudgePreview:
    """Show who a nudge to the filtered athletes would reach, and its text."""

    PREFIX: ClassVar[str] = "np"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"np:{_FILTER}:{_ID}")

    which: str
    group_id: int

    def encode(self) -> str:
        return _checked(self, f"np:{self.which}:{self.group_id}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> NudgePreview:
        return cls(match[1], _int(match[2], INT32_MAX))


@dataclass(frozen=True)
class NudgeSend:
    """Send the nudge previewed at `asked` (unix seconds); a second tap sends nothing more."""

    PREFIX: ClassVar[str] = "ns"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"ns:{_FILTER}:{_ID}:([0-9]{{1,11}})")

    which: str
    group_id: int
    asked: int

    def encode(self) -> str:
        return _checked(self, f"ns:{self.which}:{self.group_id}:{self.asked}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> NudgeSend:
        return cls(match[1], _int(match[2], INT32_MAX), _int(match[3], UNIX_TIME_MAX))


@dataclass(frozen=True)
class BroadcastList:
    """One page of /broadcasts: those still to go out first, then the history."""

    PREFIX: ClassVar[str] = "bl"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"bl:{_PAGE}")

    page: int

    def encode(self) -> str:
        return _checked(self, f"bl:{self.page}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> BroadcastList:
        return cls(int(match[1]))


@dataclass(frozen=True)
class BroadcastDetails:
    """A broadcast's delivery report naming who was not reached, and why."""

    PREFIX: ClassVar[str] = "bi"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"bi:{_ID}")

    broadcast_id: int

    def encode(self) -> str:
        return _checked(self, f"bi:{self.broadcast_id}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> BroadcastDetails:
        return cls(_int(match[1], INT32_MAX))


@dataclass(frozen=True)
class ReplyToCoach:
    """Under a broadcast: the athlete's next message goes to its coach."""

    PREFIX: ClassVar[str] = "rc"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"rc:{_ID}")

    broadcast_id: int

    def encode(self) -> str:
        return _checked(self, f"rc:{self.broadcast_id}")

    @classmethod
    def from_match(cls, match: re.Match[str]) -> ReplyToCoach:
        return cls(_int(match[1], INT32_MAX))


# --------------------------------------------------------------------- parsing

Button: TypeAlias = (
    SelftestStart
    | SelftestAnswer
    | OnboardingAnswer
    | SettingsButton
    | DeleteConfirm
    | DeleteKeep
    | WithdrawConsent
    | WarmupAnswer
    | CheckinAnswer
    | SwimAnswer
    | GroupJoin
    | GroupLink
    | GroupExport
    | GroupLeave
    | GroupsPage
    | LeavePage
    | GroupManage
    | ResultsPage
    | DraftStep
    | BroadcastCancel
    | BroadcastResend
    | PlanShow
    | CardOpen
    | CardStep
    | PainStart
    | PainAnswer
    | LevelChange
    | QuestionButton
    | AthleteList
    | AthleteCardOpen
    | NudgePreview
    | NudgeSend
    | BroadcastList
    | BroadcastDetails
    | ReplyToCoach
)

KINDS: tuple[type[Button], ...] = (
    SelftestStart,
    SelftestAnswer,
    OnboardingAnswer,
    SettingsButton,
    DeleteConfirm,
    DeleteKeep,
    WithdrawConsent,
    WarmupAnswer,
    CheckinAnswer,
    SwimAnswer,
    GroupJoin,
    GroupLink,
    GroupExport,
    GroupLeave,
    GroupsPage,
    LeavePage,
    GroupManage,
    ResultsPage,
    DraftStep,
    BroadcastCancel,
    BroadcastResend,
    PlanShow,
    CardOpen,
    CardStep,
    PainStart,
    PainAnswer,
    LevelChange,
    QuestionButton,
    AthleteList,
    AthleteCardOpen,
    NudgePreview,
    NudgeSend,
    BroadcastList,
    BroadcastDetails,
    ReplyToCoach,
)
"""Every kind of button, for routing and for tests that must cover them all."""

PREFIXES: tuple[str, ...] = tuple(dict.fromkeys(kind.PREFIX for kind in KINDS))
"""Each prefix once, in the order above."""

_BY_PREFIX: dict[str, list[Callable[[str], Button | None]]] = {}


def _reader(kind: type[Button]) -> Callable[[str], Button | None]:
    def read(data: str) -> Button | None:
        match = kind.PATTERN.fullmatch(data)
        return kind.from_match(match) if match is not None else None

    return read


for _kind in KINDS:
    _BY_PREFIX.setdefault(_kind.PREFIX, []).append(_reader(_kind))


def parse(data: str | None) -> Button:
    """The typed button `data` encodes; `InvalidButton` for anything else."""
    if not data or len(data) > MAX_BYTES:  # characters: valid data is ASCII, so also bytes
        raise InvalidButton(repr(data)[:80])
    prefix = data.split(":", 1)[0]
    for read in _BY_PREFIX.get(prefix, ()):
        button = read(data)
        if button is not None:
            return button
    raise InvalidButton(repr(data)[:80])


def route(*kinds: type[Button]) -> str:
    """A `CallbackQueryHandler` pattern that sends these kinds' prefixes to one handler."""
    prefixes = dict.fromkeys(kind.PREFIX for kind in kinds)
    return "^(?:" + "|".join(re.escape(p) for p in prefixes) + "):"


__all__ = [
    "INT32_MAX",
    "KINDS",
    "LIST_FILTERS",
    "MAX_BYTES",
    "PREFIXES",
    "AthleteCardOpen",
    "AthleteList",
    "BroadcastCancel",
    "BroadcastDetails",
    "BroadcastList",
    "BroadcastResend",
    "Button",
    "CardOpen",
    "CardOrigin",
    "CardStep",
    "CheckinAnswer",
    "DeleteConfirm",
    "DeleteKeep",
    "DraftStep",
    "GROUP_ACTIONS",
    "GroupExport",
    "GroupJoin",
    "GroupLeave",
    "GroupLink",
    "GroupManage",
    "GroupsPage",
    "LeavePage",
    "InvalidButton",
    "LevelChange",
    "NudgePreview",
    "NudgeSend",
    "OnboardingAnswer",
    "PainAnswer",
    "PainStart",
    "PlanShow",
    "QuestionButton",
    "ReplyToCoach",
    "ResultsPage",
    "SelftestAnswer",
    "SelftestStart",
    "SettingsButton",
    "SwimAnswer",
    "WarmupAnswer",
    "WithdrawConsent",
    "parse",
    "route",
]
