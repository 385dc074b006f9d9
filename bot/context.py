"""What every handler needs, in one place: PTB's `CallbackContext`, made ours.

A handler reads like one of python-telegram-bot's example bots: a docstring,
one call into `coaching`, one reply. Everything else comes from `HipContext`
and a few decorators::

    @athlete_only
    async def results_command(update: Update, context: HipContext) -> None:
        \"\"\"The history of results with the trend per fault.\"\"\"
        results = await selftest.results(await context.db(), context.athlete.id)
        context.reply_long(results_text(context, results))

- `context.svc`, `context.kb`, `context.now`: the services, the knowledge base,
  and this update's time (read once, so one update sees one instant);
- `await context.db()`: the update's one transaction, opened on first use and
  committed when the handler returns (rolled back if it raises);
- `context.athlete` (`@athlete_only`, loaded once) or `context.role`
  (`@coach_only`), and `context.lang`, the language to answer in;
- `context.say`, `reply`, `edit`, `toast`, `ask`, ...: replies are queued and
  sent only after the commit. A reply therefore never announces what a failed
  commit then loses, and no Bot API call ever waits inside a transaction (on
  SQLite that would hold the one write lock across a network call);
- `@on_button(Kind)`: the tap's data parsed by the codec (`coaching.callbacks`)
  into a typed button handed to the handler; forged or old data gets the
  "older message" notice and the handler never runs. Every tap is answered
  (`answerCallbackQuery`), whatever the handler did;
- `await context.wait_for(...)` / `context.asked(...)` / `stop_waiting()`: the
  chat's pending question (`coaching.pending`). The message that asks it is
  noted after sending, so the question's buttons can be removed when it is
  cancelled, replaced or finished.

`Refused` raised in a handler rolls its changes back and sends only the refusal.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.render import split_message, ui
from bot.services import SERVICES_KEY, Services, services
from bot.telegram_io import answer_query, edit_query_message
from coaching import callbacks, coach_profile, coaches, onboarding, pending
from coaching.callbacks import Button, InvalidButton
from coaching.coaches import Role
from coaching.models import Athlete
from coaching.pending import Kind, PendingQuestion
from coaching.rows import load
from knowledge import KnowledgeBase

log = logging.getLogger(__name__)

P = ParamSpec("P")
B = TypeVar("B", bound=Button)

HARMLESS_EDIT_ERRORS = ("not modified", "message to edit not found", "can't be edited")
"""A keyboard already gone, or a message too old to edit: nothing left to remove."""


def update_language(update: object) -> str:
    """The language the sender's Telegram app reports, if the content speaks it."""
    user = update.effective_user if isinstance(update, Update) else None
    return onboarding.language_for(user.language_code if user else None)


class Refused(Exception):
    """Leave the handler with nothing changed (rolled back) and only this said."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


Send = Callable[[], Awaitable[object]]


@dataclass
class _Turn:
    """One update's unit of work: its transaction, who is talking, and what to say after."""

    update: Update
    now: dt.datetime
    transaction: AsyncExitStack | None = None
    session: AsyncSession | None = None
    athlete: Athlete | None = None
    athlete_loaded: bool = False
    role: Role | None = None
    toast: str | None = None
    outs: list[tuple[Send, bool]] = field(default_factory=list)
    strips: list[int] = field(default_factory=list)
    question: PendingQuestion | None = None


class HipContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's context with our services, the athlete, the language and one transaction."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._turn: _Turn | None = None

    # ------------------------------------------------------------------ what a handler reads

    @property
    def svc(self) -> Services:
        found = self.application.bot_data[SERVICES_KEY]
        assert isinstance(found, Services)
        return found

    @property
    def kb(self) -> KnowledgeBase:
        return self.svc.kb

    @property
    def turn(self) -> _Turn:
        if self._turn is None:
            raise RuntimeError("HipContext used outside a handler: decorate it (bot.context)")
        return self._turn

    @property
    def now(self) -> dt.datetime:
        return self.turn.now

    @property
    def user_id(self) -> int:
        user = self.turn.update.effective_user
        assert user is not None
        return user.id

    @property
    def chat_id(self) -> int:
        chat = self.turn.update.effective_chat
        assert chat is not None
        return chat.id

    async def db(self) -> AsyncSession:
        """The update's one transaction, opened on first use, committed after the handler."""
        turn = self.turn
        if turn.session is None:
            turn.transaction = AsyncExitStack()
            turn.session = await turn.transaction.enter_async_context(self.svc.db.transaction())
        return turn.session

    async def commit(self) -> None:
        """Commit now, before slow work (a download, an analysis) that must not hold the
        transaction; a later `db()` opens another. Replies still wait for the end."""
        await self._close(self.turn, None)

    @staticmethod
    async def _close(turn: _Turn, error: BaseException | None) -> None:
        """Commit the open transaction, or roll it back when the handler raised `error`."""
        transaction, turn.transaction, turn.session = turn.transaction, None, None
        if transaction is None:
            return
        if error is None:
            await transaction.aclose()
        else:
            await transaction.__aexit__(type(error), error, error.__traceback__)

    async def find_athlete(self) -> Athlete | None:
        """The sender's athlete profile, read once per update; None for a stranger."""
        turn = self.turn
        if not turn.athlete_loaded:
            user = turn.update.effective_user
            turn.athlete = await load(await self.db(), Athlete, user.id) if user else None
            turn.athlete_loaded = True
        return turn.athlete

    def have_athlete(self, athlete: Athlete) -> None:
        """The athlete was just created or loaded another way: answer in their language."""
        self.turn.athlete, self.turn.athlete_loaded = athlete, True

    @property
    def athlete(self) -> Athlete:
        """The athlete (`@athlete_only` loaded them)."""
        athlete = self.turn.athlete
        assert athlete is not None, "use @athlete_only"
        return athlete

    @property
    def role(self) -> Role:
        """The coach's role (`@coach_only` checked it)."""
        role = self.turn.role
        assert role is not None, "use @coach_only"
        return role

    @property
    def lang(self) -> str:
        athlete = self.turn.athlete if self._turn is not None else None
        return athlete.language if athlete is not None else update_language(self.turn.update)

    def t(self, key: str, **params: object) -> str:
        """An interface text in the athlete's language, every parameter HTML-escaped."""
        return ui(self.kb, self.lang, key, **params)

    @property
    def tapped_message_id(self) -> int | None:
        query = self.turn.update.callback_query
        message = query.message if query is not None else None
        return message.message_id if message is not None else None

    @property
    def tapped_text(self) -> str:
        """The HTML of the message the tapped button sits on ("" if it cannot be read)."""
        query = self.turn.update.callback_query
        message = query.message if query is not None else None
        return message.text_html if isinstance(message, Message) and message.text else ""

    # ------------------------------------------------------------------ the pending question

    async def wait_for(
        self,
        kind: Kind,
        *,
        step: str | None = None,
        ref_id: int | None = None,
        on_tapped: bool = False,
    ) -> PendingQuestion:
        """Make this the chat's question; `ask(...)` then sends the message that asks it,
        or (`on_tapped`) the tapped message, edited, asks it."""
        message_id = self.tapped_message_id if on_tapped else None
        asked = await pending.ask(
            await self.db(),
            self.chat_id,
            kind,
            self.now,
            step=step,
            ref_id=ref_id,
            message_id=message_id,
        )
        self.asked(asked)
        return asked.question

    def asked(self, asked: pending.Asked) -> None:
        """A question a `coaching` use case asked: the one it replaced loses its buttons."""
        self.turn.question = asked.question
        self.strip(asked.replaced_message_id)

    async def stop_waiting(self, kind: Kind | None = None) -> PendingQuestion | None:
        """End the chat's question (of `kind`); its buttons go unless the tap is on them."""
        ended = await pending.end(await self.db(), self.chat_id, kind=kind)
        if ended is not None:
            self.strip(ended.message_id)
        return ended

    # ------------------------------------------------------------------ replies, after commit

    def reply(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Send an HTML message to the chat of the update."""
        self._send(self._message(text, markup))

    def say(self, key: str, markup: InlineKeyboardMarkup | None = None, **params: object) -> None:
        """Send one interface text."""
        self.reply(self.t(key, **params), markup)

    def ask(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Send the message that asks the chat's question (`wait_for`); its id is noted."""
        self._send(self._message(text, markup), asks=True)

    def reply_long(self, text: str) -> None:
        """Send long HTML in as many messages as it takes."""
        for part in split_message(text):
            self.reply(part)

    def reply_photo(
        self,
        photo: bytes | str,
        caption: str | None = None,
        markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        chat_id = self.chat_id

        async def send() -> object:
            return await self.bot.send_photo(
                chat_id, photo, caption=caption, parse_mode=ParseMode.HTML, reply_markup=markup
            )

        self._send(send)

    def reply_document(self, document: bytes | InputFile, filename: str, caption: str) -> None:
        chat_id = self.chat_id

        async def send() -> object:
            return await self.bot.send_document(
                chat_id, document, filename=filename, caption=caption, parse_mode=ParseMode.HTML
            )

        self._send(send)

    def send_to(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Send to another chat than the update's (a group chat the bot was added to)."""

        async def send() -> object:
            return await self.bot.send_message(
                chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
            )

        self._send(send)

    def edit(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Edit the message the tapped button sits on (a double tap is no error)."""
        query = self.turn.update.callback_query
        if query is None:
            self.reply(text, markup)
            return

        async def send() -> object:
            await edit_query_message(query, text, markup)
            return None

        self._send(send)

    def toast(self, key: str, **params: object) -> None:
        """Answer the tap with a short notice: plain text (Telegram shows no HTML there)."""
        self.turn.toast = self.kb.ui_text(key, self.lang, **params)

    def notify(self, key: str, **params: object) -> None:
        """A notice: on the tapped button if there is one, else as a message."""
        if self.turn.update.callback_query is not None:
            self.toast(key, **params)
        else:
            self.reply(self.t(key, **params))

    def strip(self, message_id: int | None) -> None:
        """Remove the buttons of one of the chat's messages (not the one being edited)."""
        if message_id is None or message_id == self.tapped_message_id:
            return
        if message_id not in self.turn.strips:
            self.turn.strips.append(message_id)

    def after_commit(self, action: Send) -> None:
        """Anything else that talks to Telegram, or takes long (a chart), after the commit."""
        self._send(action)

    def refuse(self, key: str, **params: object) -> Refused:
        """`raise context.refuse(key)`: undo this update's changes and say only this."""
        return Refused(self.t(key, **params))

    def _message(self, text: str, markup: InlineKeyboardMarkup | None) -> Send:
        chat_id = self.chat_id

        async def send() -> object:
            return await self.bot.send_message(
                chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
            )

        return send

    def _send(self, send: Send, *, asks: bool = False) -> None:
        self.turn.outs.append((send, asks))

    # ------------------------------------------------------------------ the unit of work

    async def run(self, update: Update, body: Callable[[], Awaitable[None]]) -> None:
        """Run `body` as this update's unit of work: one transaction, then the replies.

        Re-entrant: decorators stack, and the innermost runs inside the outer turn.
        """
        if self._turn is not None and self._turn.update is update:
            await body()
            return
        turn = _Turn(update=update, now=self.svc.clock())
        self._turn = turn
        try:
            try:
                await body()
            except Refused as refused:
                await self._close(turn, refused)
                turn.outs, turn.strips, turn.question, turn.toast = [], [], None, None
                if update.callback_query is not None:
                    turn.toast = refused.text
                else:
                    self.reply(refused.text)
            except BaseException as error:
                await self._close(turn, error)
                raise
            else:
                await self._close(turn, None)
            await self._deliver(turn)
        finally:
            self._turn = None

    async def _deliver(self, turn: _Turn) -> None:
        """The replies, in order, now that the transaction is committed."""
        query = turn.update.callback_query
        answering: asyncio.Task[None] | None = None
        if query is not None:
            # First, so the client stops spinning at once; the replies need not wait for
            # its answer (one round trip less per tap). One turn of the loop lets it go out.
            answering = asyncio.create_task(answer_query(query, turn.toast))
            await asyncio.sleep(0)
        noted: int | None = None
        try:
            for send, asks in turn.outs:
                sent = await send()
                if asks and isinstance(sent, Message):
                    noted = sent.message_id
            for message_id in turn.strips:
                await self._strip(message_id)
        finally:
            if answering is not None:
                await answering
        if turn.question is not None and noted is not None:
            # Bookkeeping after the reply, never before it: only the keyboard removal
            # of a later /cancel depends on it.
            async with self.svc.db.transaction() as session:
                await pending.note_message(session, turn.question.id, noted)

    async def _strip(self, message_id: int) -> None:
        chat = self.turn.update.effective_chat
        if chat is None:
            return
        try:
            await self.bot.edit_message_reply_markup(chat.id, message_id, reply_markup=None)
        except BadRequest as exc:
            if not any(harmless in exc.message.lower() for harmless in HARMLESS_EDIT_ERRORS):
                raise


HipApplication = Application[
    ExtBot[None], HipContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], JobQueue[HipContext]
]
Callback = Callable[[Update, HipContext], Coroutine[Any, Any, None]]


# --------------------------------------------------------------------- decorators


def handler(func: Callback) -> Callback:
    """A handler that needs nobody in particular: one unit of work, replies after it."""

    async def run(update: Update, context: HipContext) -> None:
        await context.run(update, lambda: func(update, context))

    functools.update_wrapper(run, func)
    return run


def athlete_only(
    func: Callable[Concatenate[Update, HipContext, P], Coroutine[Any, Any, None]],
) -> Callable[Concatenate[Update, HipContext, P], Coroutine[Any, Any, None]]:
    """Only for someone who has sent /start: others are asked to, and nothing runs."""

    async def run(
        update: Update, context: HipContext, /, *args: P.args, **kwargs: P.kwargs
    ) -> None:
        async def body() -> None:
            if await context.find_athlete() is None:
                context.notify("start_first")
                return
            await func(update, context, *args, **kwargs)

        await context.run(update, body)

    functools.update_wrapper(run, func)
    return run


def anonymous(update: Update) -> bool:
    """Sent by an anonymous group admin (as the group itself), or by no user at all.

    Telegram shows such a message as from the group (`sender_chat`), with `from`
    missing or set to a placeholder bot; either way no coach can be recognised.
    """
    message = update.message  # a command; a button's message is the bot's own
    return update.effective_user is None or (
        message is not None and message.sender_chat is not None
    )


def coach_only(
    func: Callable[Concatenate[Update, HipContext, P], Coroutine[Any, Any, None]],
) -> Callable[Concatenate[Update, HipContext, P], Coroutine[Any, Any, None]]:
    """Only for coaches: an anonymous admin is told why they cannot be recognised,
    anyone else "not allowed", and nothing runs. A coach's name and language are noted
    as Telegram reports them, so their broadcasts' header follows a renamed profile."""

    async def run(
        update: Update, context: HipContext, /, *args: P.args, **kwargs: P.kwargs
    ) -> None:
        async def body() -> None:
            if anonymous(update):
                context.say("coach_anonymous")
                return
            role = await coaches.authorise(
                await context.db(), context.svc.settings.admin_ids, context.user_id
            )
            if role is None:
                context.notify("coach_not_allowed")
                return
            context.turn.role = role
            user = update.effective_user
            await coach_profile.note_identity(  # the name athletes see stays current
                await context.db(),
                role,
                user.first_name if user else None,
                context.lang,
                context.now,
            )
            await func(update, context, *args, **kwargs)

        await context.run(update, body)

    functools.update_wrapper(run, func)
    return run


class ButtonHandler(Generic[B]):
    """The callback of one kind of button: `matches` is its `CallbackQueryHandler` pattern."""

    def __init__(
        self, kind: type[B], func: Callable[[Update, HipContext, B], Coroutine[Any, Any, None]]
    ) -> None:
        self.kind = kind
        self.func = func
        functools.update_wrapper(self, func)

    def matches(self, data: object) -> bool:
        return isinstance(data, str) and self.kind.PATTERN.fullmatch(data) is not None

    async def __call__(self, update: Update, context: HipContext) -> None:
        async def body() -> None:
            query = update.callback_query
            try:
                button: Button | None = callbacks.parse(query.data if query else None)
            except InvalidButton:
                button = None
            if not isinstance(button, self.kind):
                await context.find_athlete()
                context.toast("stale_button")
                return
            await self.func(update, context, button)

        await context.run(update, body)


ButtonCallback = Callable[[Update, HipContext, B], Coroutine[Any, Any, None]]


def on_button(kind: type[B]) -> Callable[[ButtonCallback[B]], ButtonHandler[B]]:
    """The handler of one button kind, given the parsed, typed button."""

    def wrap(func: ButtonCallback[B]) -> ButtonHandler[B]:
        return ButtonHandler(kind, func)

    return wrap


__all__ = [
    "ButtonHandler",
    "Callback",
    "HipApplication",
    "HipContext",
    "Refused",
    "anonymous",
    "athlete_only",
    "coach_only",
    "handler",
    "on_button",
    "services",
    "update_language",
]
