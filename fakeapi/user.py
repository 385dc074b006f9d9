"""A scripted Telegram user who talks to the bot through a ``FakeBotApi``.

Each action (text, command, document, photo, location, button tap) queues an update
built with PTB's types, and moves the user's *cursor* in that chat to the end
of the bot's output so far. ``wait_message`` then returns the next bot message
or edit after the cursor that matches, and moves the cursor past it: a test
reads as a conversation::

    ann = FakeUser(api, 1001)
    ann.send_command("/start")
    hello = ann.wait_message(contains="Welcome")
    query_id = ann.tap("Start the test")
    ann.wait_callback_answered(query_id)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from telegram import (
    CallbackQuery,
    Chat,
    Document,
    InlineKeyboardMarkup,
    Location,
    Message,
    MessageEntity,
    PhotoSize,
    User,
    Video,
    VideoNote,
)

from fakeapi.records import BotEvent, BotMessage, CallbackQueryRecord, Keyboard
from fakeapi.server import FakeBotApi, WaitTimeout

MessageRef = BotMessage | BotEvent | int


class FakeUser:
    """One human on the other side of the bot; all methods are thread-safe via the api."""

    def __init__(
        self,
        api: FakeBotApi,
        user_id: int,
        first_name: str = "Ann",
        language_code: str | None = "en",
        username: str | None = None,
        last_name: str | None = None,
        *,
        started: bool = False,
    ) -> None:
        """``started=True``: the user wrote to the bot before the test began, so the bot
        may write to them first (otherwise only after their first private message)."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        self.api = api
        self.user_id = user_id
        self.user = User(
            id=user_id,
            is_bot=False,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self.chat_id = user_id
        self.private_chat = Chat(
            id=user_id,
            type=Chat.PRIVATE,
            first_name=first_name,
            last_name=last_name,
            username=username,
        )
        api.register_chat(self.private_chat)
        if started:
            api.mark_started(user_id)
        self._cursors: dict[int, int] = {}

    # ------------------------------------------------------------------ actions

    def send_text(
        self,
        text: str,
        *,
        chat_id: int | None = None,
        entities: list[MessageEntity] | None = None,
    ) -> int:
        """Send a text message (in the private chat, or a group by ``chat_id``); message id."""
        return self._send_message(chat_id, text=text, entities=entities)

    def send_command(
        self, command: str, payload: str | None = None, *, chat_id: int | None = None
    ) -> int:
        """Send ``/command [payload]`` with a bot_command entity, as a client would."""
        if not command.startswith("/"):
            command = "/" + command
        text = f"{command} {payload}" if payload else command
        entity = MessageEntity(MessageEntity.BOT_COMMAND, 0, len(command.encode("utf-16-le")) // 2)
        return self._send_message(chat_id, text=text, entities=[entity])

    def send_document(
        self,
        filename: str,
        data: bytes,
        mime_type: str | None = None,
        caption: str | None = None,
        *,
        chat_id: int | None = None,
    ) -> int:
        """Send a file; the bytes are stored so the bot can getFile and download them."""
        stored = self.api.store_file(data, filename=filename, mime_type=mime_type)
        document = Document(
            stored.file_id,
            stored.file_unique_id,
            file_name=filename,
            mime_type=mime_type,
            file_size=len(data),
        )
        return self._send_message(chat_id, document=document, caption=caption)

    def send_photo(
        self,
        data: bytes,
        caption: str | None = None,
        *,
        caption_entities: list[MessageEntity] | None = None,
        chat_id: int | None = None,
        filename: str = "photo.jpg",
    ) -> int:
        """Send a photo; the bytes are stored (folder "photos") so the bot can getFile them
        or send them on by file_id."""
        stored = self.api.store_file(
            data, filename=filename, mime_type="image/jpeg", folder="photos"
        )
        photo = [
            PhotoSize(stored.file_id, stored.file_unique_id, 1, 1, file_size=len(data)),
        ]
        return self._send_message(
            chat_id, photo=photo, caption=caption, caption_entities=caption_entities
        )

    def send_video(
        self,
        data: bytes,
        *,
        duration: int = 10,
        width: int = 1080,
        height: int = 1920,
        mime_type: str | None = "video/mp4",
        file_name: str | None = None,
        caption: str | None = None,
        chat_id: int | None = None,
        sized: bool = True,
    ) -> int:
        """Send a video (folder "videos", as Telegram keeps them) the bot can getFile;
        ``duration`` is what the client says it plays for, in whole seconds.
        ``sized=False`` leaves the size out of the update (Telegram may), so only
        getFile's own 20 MB limit stops a bot from downloading a larger one."""
        stored = self.api.store_file(
            data, filename=file_name or "video.mp4", mime_type=mime_type, folder="videos"
        )
        video = Video(
            stored.file_id,
            stored.file_unique_id,
            width,
            height,
            duration,
            file_name=file_name,
            mime_type=mime_type,
            file_size=len(data) if sized else None,
        )
        return self._send_message(chat_id, video=video, caption=caption)

    def send_video_note(
        self, data: bytes, *, duration: int = 10, length: int = 384, chat_id: int | None = None
    ) -> int:
        """Send a round video message (square, at most a minute); the bot can getFile it."""
        stored = self.api.store_file(
            data, filename="video_note.mp4", mime_type="video/mp4", folder="video_notes"
        )
        note = VideoNote(
            stored.file_id, stored.file_unique_id, length, duration, file_size=len(data)
        )
        return self._send_message(chat_id, video_note=note)

    def send_location(
        self, latitude: float, longitude: float, *, chat_id: int | None = None
    ) -> int:
        """Share a location (e.g. to let the bot guess the time zone)."""
        return self._send_message(
            chat_id, location=Location(longitude=longitude, latitude=latitude)
        )

    def tap(
        self,
        button_text: str,
        *,
        in_message: MessageRef | None = None,
        chat_id: int | None = None,
    ) -> str:
        """Tap an inline button by its text; returns the callback query id.

        Without ``in_message`` the newest bot message whose keyboard has a button with
        exactly that text is used, else the newest with a button containing it.
        """
        chat = self._chat_id(chat_id)
        candidates = (
            [self._resolve(in_message, chat)]
            if in_message is not None
            else [m for m in reversed(self.api.messages(chat)) if not m.deleted]
        )
        for exact in (True, False):
            for message in candidates:
                for row in message.buttons:
                    for text, data in row:
                        if (text == button_text) if exact else (button_text in text):
                            return self._send_callback(message, data)
        available = [[t for t, _ in row] for m in candidates[:5] for row in m.buttons]
        raise AssertionError(
            f"no button {button_text!r} in chat {chat}; newest keyboards have: {available}"
        )

    def tap_data(self, message_id: int, data: str, *, chat_id: int | None = None) -> str:
        """Send a callback query with arbitrary (forged or stale) data for a message."""
        chat = self._chat_id(chat_id)
        try:
            message = self.api.message(chat, message_id)
        except KeyError:
            raise AssertionError(f"no bot message {message_id} in chat {chat}") from None
        return self._send_callback(message, data)

    # ------------------------------------------------------------------ waits

    def wait_message(
        self,
        *,
        contains: str | None = None,
        predicate: Callable[[BotEvent], bool] | None = None,
        timeout: float = 10.0,
        chat_id: int | None = None,
    ) -> BotEvent:
        """The next bot message or edit after the cursor that matches; advances the cursor."""
        chat = self._chat_id(chat_id)

        def match(event: BotEvent) -> bool:
            if contains is not None and contains not in (event.text or ""):
                return False
            return predicate is None or predicate(event)

        what = "a bot message" + (f" containing {contains!r}" if contains is not None else "")
        index, event = self.api.wait_event(chat, self._cursors.get(chat, 0), match, timeout, what)
        self._cursors[chat] = index + 1
        return event

    async def wait_message_async(
        self,
        *,
        contains: str | None = None,
        predicate: Callable[[BotEvent], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - same signature as the sync twin
        chat_id: int | None = None,
    ) -> BotEvent:
        """``wait_message`` without blocking the caller's event loop (the bot may run there)."""
        return await asyncio.to_thread(
            lambda: self.wait_message(
                contains=contains, predicate=predicate, timeout=timeout, chat_id=chat_id
            )
        )

    def assert_no_message(self, within: float = 0.2, *, chat_id: int | None = None) -> None:
        """Fail if the bot says anything new in ``within`` seconds (a bounded negative check)."""
        chat = self._chat_id(chat_id)
        try:
            event = self.wait_message(timeout=within, chat_id=chat)
        except WaitTimeout:
            return
        raise AssertionError(f"unexpected bot output in chat {chat}: {event.text!r}")

    async def assert_no_message_async(
        self, within: float = 0.2, *, chat_id: int | None = None
    ) -> None:
        """``assert_no_message`` without blocking the caller's event loop."""
        await asyncio.to_thread(lambda: self.assert_no_message(within, chat_id=chat_id))

    def wait_callback_answered(self, query_id: str, timeout: float = 10.0) -> CallbackQueryRecord:
        """Block until the bot answered this tap; the record has the answer text/alert."""
        return self.api.wait_callback_answered(query_id, timeout)

    async def wait_callback_answered_async(
        self,
        query_id: str,
        timeout: float = 10.0,  # noqa: ASYNC109 - same signature as the sync twin
    ) -> CallbackQueryRecord:
        """``wait_callback_answered`` without blocking the caller's event loop."""
        return await asyncio.to_thread(self.api.wait_callback_answered, query_id, timeout)

    # ------------------------------------------------------------------ inspection

    @property
    def messages(self) -> list[BotMessage]:
        """All bot messages in the private chat, oldest first, in their current state."""
        return self.api.messages(self.chat_id)

    @property
    def last_message(self) -> BotMessage | None:
        """The newest bot message in the private chat that is not deleted."""
        for message in reversed(self.api.messages(self.chat_id)):
            if not message.deleted:
                return message
        return None

    def message(self, message_id: int, *, chat_id: int | None = None) -> BotMessage:
        """A bot message by id, in its current state."""
        return self.api.message(self._chat_id(chat_id), message_id)

    def text_of(self, message_id: int, *, chat_id: int | None = None) -> str | None:
        """The current (edited) text of a bot message."""
        return self.message(message_id, chat_id=chat_id).text

    def buttons(self, message: MessageRef | None = None, *, chat_id: int | None = None) -> Keyboard:
        """Inline keyboard rows of ``(text, callback_data)``; default the last message.

        A ``BotEvent`` gives the keyboard as it was at that event; a ``BotMessage``
        or message id gives the current one.
        """
        if message is None:
            last = self.last_message
            return last.buttons if last else []
        if isinstance(message, BotEvent):
            return message.buttons
        return self._resolve(message, self._chat_id(chat_id)).buttons

    # ------------------------------------------------------------------ internals

    def _chat_id(self, chat_id: int | None) -> int:
        return self.chat_id if chat_id is None else chat_id

    def _resolve(self, ref: MessageRef, chat: int) -> BotMessage:
        if isinstance(ref, BotMessage):
            return ref
        if isinstance(ref, BotEvent):
            return ref.message
        return self.api.message(chat, ref)

    def _mark_action(self, chat: int) -> None:
        """Only bot output after this action counts for the next wait."""
        self._cursors[chat] = self.api.event_count(chat)

    def _send_message(self, chat_id: int | None, **content: object) -> int:
        chat_id = self._chat_id(chat_id)
        chat = self.api.chat(chat_id)
        if chat_id == self.chat_id:
            self.api.mark_started(self.user_id)
        message_id = self.api.new_message_id(chat_id)
        message = Message(
            message_id=message_id,
            date=_now(),
            chat=chat,
            from_user=self.user,
            **content,  # type: ignore[arg-type]
        )
        self._mark_action(chat_id)
        self.api.push_update("message", message)
        return message_id

    def _send_callback(self, message: BotMessage, data: str | None) -> str:
        chat = self.api.chat(message.chat_id)
        query_id = self.api.new_callback_query(
            self.user_id, message.chat_id, message.message_id, data
        )
        bot_user = self.api.bot_user()
        entities = [MessageEntity.de_json(e, None) for e in message.entities]
        is_text = message.kind == "text"
        shown = Message(
            message_id=message.message_id,
            date=datetime.fromtimestamp(message.date, UTC),
            chat=chat,
            from_user=bot_user,
            text=message.text if is_text else None,
            entities=entities if is_text else None,
            caption=message.text if not is_text else None,
            caption_entities=entities if not is_text else None,
            reply_markup=_inline_markup(message),
        )
        query = CallbackQuery(
            id=query_id,
            from_user=self.user,
            chat_instance=f"ci{message.chat_id}",
            message=shown,
            data=data,
        )
        self._mark_action(message.chat_id)
        self.api.push_update("callback_query", query)
        return query_id


def _inline_markup(message: BotMessage) -> InlineKeyboardMarkup | None:
    markup = message.reply_markup
    if markup and "inline_keyboard" in markup:
        return InlineKeyboardMarkup.de_json(markup, None)
    return None


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
