"""The Bot API methods the bot calls (sendMessage, editMessageText, answerCallbackQuery…).

Each method checks its input the way Telegram does and answers with Telegram's
own wording and status, so a bot that passes here does not fail on the real
API: HTML parsed as Telegram reads it, text and caption limits, "message is not
modified", a callback query answered twice, blocked users, a flood limit.
Results are shaped by PTB's own types, so they deserialise as Telegram's do.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from telegram import (
    AcceptedGiftTypes,
    BotCommand,
    Chat,
    ChatFullInfo,
    Document,
    File,
    PhotoSize,
    User,
)

from fakeapi.chats import ChatState, ChatStore
from fakeapi.html_check import HtmlParseError, parse_html
from fakeapi.params import Params, Upload
from fakeapi.records import ApiError, BotEvent, BotMessage, Edit, StoredFile

Handler = Callable[[Params, User], Any]
AsyncHandler = Callable[[Params, User], Awaitable[Any]]

MAX_TEXT = 4096
MAX_CAPTION = 1024
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


@dataclass(slots=True)
class _Injected:
    """An error queued by ``fail_next``."""

    error: ApiError
    remaining: int


class BotApiMethods:
    """Runs one Bot API call against a ``ChatStore``; methods are looked up case-insensitively.

    Failure injection lives here because it stands in for the method: blocked
    users (403), the global flood limit (429, a sliding one-second window over
    ``max_per_second``) and errors queued with ``fail_next``.
    """

    def __init__(self, store: ChatStore) -> None:
        self.store = store
        self._injected: dict[str, deque[_Injected]] = {}
        self._send_times: deque[float] = deque()
        self._bot_dicts: dict[int, tuple[User, dict[str, Any]]] = {}
        self._async_handlers: dict[str, AsyncHandler] = {}
        self._handlers: dict[str, Handler] = {
            "getme": lambda p, me: me.to_dict(),
            "sendmessage": self._send_message,
            "sendphoto": self._send_photo,
            "senddocument": self._send_document,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "getfile": self._get_file,
            "sendchataction": self._send_chat_action,
            "getchat": self._get_chat,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "close": lambda p, me: True,
            "logout": lambda p, me: True,
        }
        for name in ("description", "short_description", "name"):
            self._handlers[f"setmy{name.replace('_', '')}"] = self._setter(name)
            self._handlers[f"getmy{name.replace('_', '')}"] = self._getter(name)
        for method in ("setchatmenubutton", "setmydefaultadministratorrights"):
            self._handlers[method] = self._accept(method)
        self._handlers["getchatmenubutton"] = lambda p, me: {"type": "default"}

    def add(self, name: str, handler: Handler) -> None:
        """Serve another method (lower-case ``name``), e.g. the webhook ones."""
        self._handlers[name] = handler

    def add_async(self, name: str, handler: AsyncHandler) -> None:
        """Serve a method that must wait without blocking the loop, e.g. a long poll."""
        self._async_handlers[name] = handler

    async def call(self, name: str, params: Params, me: User) -> Any:
        """The ``result`` of method ``name`` (lower-case) for bot ``me``; raises ``ApiError``."""
        self._raise_injected(name)
        waiting = self._async_handlers.get(name)
        if waiting is not None:
            return await waiting(params, me)
        handler = self._handlers.get(name)
        if handler is None:
            raise ApiError(404, "Not Found")
        return handler(params, me)

    # ------------------------------------------------------------------ failure injection

    def fail_next(
        self,
        method: str,
        count: int = 1,
        error_code: int = 429,
        retry_after: int = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next ``count`` calls of ``method`` with an error instead of running them."""
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                403: "Forbidden: bot was blocked by the user",
                400: "Bad Request: injected failure",
                502: "Bad Gateway",
            }.get(error_code, f"Injected error {error_code}")
        error = ApiError(error_code, description, retry_after if error_code == 429 else None)
        with self.store.cond:
            self._injected.setdefault(method.lower(), deque()).append(_Injected(error, count))

    def _raise_injected(self, name: str) -> None:
        with self.store.cond:
            queue = self._injected.get(name)
            if not queue:
                return
            head = queue[0]
            head.remaining -= 1
            if head.remaining <= 0:
                queue.popleft()
            raise head.error

    def _check_can_send(self, chat_id: int, *, counts: bool) -> None:
        """Blocked users and the global flood limit; call with the lock held."""
        if chat_id in self.store.blocked_user_ids:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        limit = self.store.max_per_second
        if not counts or limit is None:
            return
        now = time.monotonic()
        window = self._send_times
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= limit:
            retry_after = max(1, math.ceil(window[0] + 1.0 - now))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        window.append(now)

    # ------------------------------------------------------------------ sending

    def _render(self, text: str, parse_mode: str | None, *, limit: int, empty: str) -> str:
        """What the user sees for ``text``; raises Telegram's errors for bad input."""
        if not text:
            raise ApiError(400, empty)
        plain = text
        if parse_mode and parse_mode.lower() == "html":
            try:
                plain = parse_html(text)
            except HtmlParseError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        elif parse_mode and parse_mode.lower() not in ("markdown", "markdownv2"):
            raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r}")
        if not plain.strip():
            raise ApiError(400, empty)
        if len(plain.encode("utf-16-le")) // 2 > limit:
            what = "caption" if limit == MAX_CAPTION else "text"
            raise ApiError(400, f"Bad Request: message {what} is too long")
        return plain

    def _record_send(
        self,
        params: Params,
        me: User,
        kind: Literal["text", "photo", "document"],
        text: str | None,
        file: StoredFile | None,
    ) -> dict[str, Any]:
        chat_id = params.required_integer("chat_id")
        parse_mode = params.string("parse_mode")
        plain = None
        if text is not None:
            if kind == "text":
                plain = self._render(
                    text, parse_mode, limit=MAX_TEXT, empty="Bad Request: message text is empty"
                )
            elif text:
                plain = self._render(text, parse_mode, limit=MAX_CAPTION, empty="")
        markup = params.structured("reply_markup")
        store = self.store
        with store.cond:
            state = store.chat_state(chat_id)
            self._check_can_send(chat_id, counts=True)
            message_id = state.next_message_id
            state.next_message_id += 1
            message = BotMessage(
                chat_id, message_id, int(time.time()), kind, plain, text, parse_mode, markup, file
            )
            if store.record_messages:
                state.messages[message_id] = message
                state.events.append(BotEvent("message", message, plain, markup))
            store.sent_count += 1
            store.cond.notify_all()
            chat = state.chat
        return self.message_dict(message, chat, me)

    def message_dict(
        self, message: BotMessage, chat: Chat, me: User, edited: bool = False
    ) -> dict[str, Any]:
        """Telegram's view of a bot message.

        Equal to ``telegram.Message(...).to_dict()`` (a test pins that), but composed
        from cached ``Chat``/``User`` dicts: the full PTB round trip costs ~100 µs a
        message, too much for the 100,000-recipient broadcast benchmark.
        """
        result: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": self._chat_dict(chat),
            "from": self._bot_dict(me),
        }
        if edited:
            result["edit_date"] = int(time.time())
        file = message.file
        if message.kind == "text":
            result["text"] = message.text
        elif message.text is not None:
            result["caption"] = message.text
        if file is not None and message.kind == "document":
            result["document"] = Document(
                file.file_id,
                file.file_unique_id,
                file_name=file.filename,
                mime_type=file.mime_type,
                file_size=len(file.data),
            ).to_dict()
        elif file is not None:
            size = len(file.data)
            result["photo"] = [
                PhotoSize(file.file_id, file.file_unique_id, 1, 1, file_size=size).to_dict()
            ]
        markup = message.reply_markup
        if markup and "inline_keyboard" in markup:
            result["reply_markup"] = markup
        return result

    def _chat_dict(self, chat: Chat) -> dict[str, Any]:
        """``chat.to_dict()``, cached on the chat's state."""
        with self.store.cond:
            state = self.store.chats.get(chat.id)
            if state is None or state.chat is not chat:
                return chat.to_dict()
            if state.chat_dict is None:
                state.chat_dict = chat.to_dict()
            return state.chat_dict

    def _bot_dict(self, me: User) -> dict[str, Any]:
        """``me.to_dict()``, cached per bot user."""
        cached = self._bot_dicts.get(me.id)
        if cached is None or cached[0] is not me:
            cached = self._bot_dicts[me.id] = (me, me.to_dict())
        return cached[1]

    def _send_message(self, params: Params, me: User) -> dict[str, Any]:
        return self._record_send(params, me, "text", params.string("text") or "", None)

    def _send_photo(self, params: Params, me: User) -> dict[str, Any]:
        return self._send_media(params, me, "photo")

    def _send_document(self, params: Params, me: User) -> dict[str, Any]:
        return self._send_media(params, me, "document")

    def _send_media(
        self, params: Params, me: User, kind: Literal["photo", "document"]
    ) -> dict[str, Any]:
        upload: Upload | None = params.uploads.get(kind)
        if upload is not None:
            mime = upload.content_type
            if mime in (None, "application/octet-stream") and kind == "photo":
                mime = "image/jpeg"
            file = self.store.store_file(
                upload.data, filename=upload.filename, mime_type=mime, folder=f"{kind}s"
            )
        else:
            reference = params.string(kind)
            if not reference:
                raise ApiError(400, f"Bad Request: there is no {kind} in the request")
            with self.store.cond:
                known = self.store.files.get(reference)
            if known is None:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            file = known
        return self._record_send(params, me, kind, params.string("caption"), file)

    def _send_chat_action(self, params: Params, me: User) -> bool:
        chat_id = params.required_integer("chat_id")
        params.required_string("action")
        with self.store.cond:
            self.store.chat_state(chat_id)
            self._check_can_send(chat_id, counts=False)
        return True

    # ------------------------------------------------------------------ editing

    def _editable(self, params: Params, what: str = "edit") -> tuple[ChatState, BotMessage]:
        """The message an edit/delete call targets; call with the lock held."""
        if params.has("inline_message_id"):
            raise ApiError(400, "Bad Request: inline messages are not supported by the fake")
        chat_id = params.required_integer("chat_id")
        message_id = params.required_integer("message_id")
        state = self.store.chats.get(chat_id)
        message = state.messages.get(message_id) if state else None
        if state is None or message is None or message.deleted:
            raise ApiError(400, f"Bad Request: message to {what} not found")
        return state, message

    def _apply_edit(
        self,
        state: ChatState,
        message: BotMessage,
        plain: str | None,
        raw: str | None,
        parse_mode: str | None,
        markup: dict[str, Any] | None,
        me: User,
    ) -> dict[str, Any]:
        """Record an edit unless nothing changes; call with the lock held."""
        if plain == message.text and markup == message.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        message.edits.append(Edit(message.text, message.reply_markup))
        message.text, message.raw_text, message.parse_mode = plain, raw, parse_mode
        message.reply_markup = markup
        state.events.append(BotEvent("edit", message, plain, markup))
        self.store.cond.notify_all()
        return self.message_dict(message, state.chat, me, edited=True)

    def _edit_message_text(self, params: Params, me: User) -> dict[str, Any]:
        raw = params.string("text") or ""
        parse_mode = params.string("parse_mode")
        plain = self._render(raw, parse_mode, limit=MAX_TEXT, empty="Bad Request: text is empty")
        markup = params.structured("reply_markup")
        with self.store.cond:
            state, message = self._editable(params)
            if message.kind != "text":
                raise ApiError(400, "Bad Request: there is no text in the message to edit")
            return self._apply_edit(state, message, plain, raw, parse_mode, markup, me)

    def _edit_message_caption(self, params: Params, me: User) -> dict[str, Any]:
        raw = params.string("caption")
        parse_mode = params.string("parse_mode")
        plain = self._render(raw, parse_mode, limit=MAX_CAPTION, empty="") if raw else None
        markup = params.structured("reply_markup")
        with self.store.cond:
            state, message = self._editable(params)
            if message.kind == "text":
                raise ApiError(400, "Bad Request: there is no caption in the message to edit")
            return self._apply_edit(state, message, plain, raw, parse_mode, markup, me)

    def _edit_message_reply_markup(self, params: Params, me: User) -> dict[str, Any]:
        markup = params.structured("reply_markup")
        with self.store.cond:
            state, message = self._editable(params)
            return self._apply_edit(
                state, message, message.text, message.raw_text, message.parse_mode, markup, me
            )

    def _delete_message(self, params: Params, me: User) -> bool:
        with self.store.cond:
            chat_id = params.required_integer("chat_id")
            message_id = params.required_integer("message_id")
            state = self.store.chats.get(chat_id)
            if state is not None and message_id in state.user_message_ids:
                state.user_message_ids.discard(message_id)
                return True
            _, message = self._editable(params, "delete")
            message.deleted = True
            self.store.cond.notify_all()
        return True

    # ------------------------------------------------------------------ the rest

    def _answer_callback_query(self, params: Params, me: User) -> bool:
        query_id = params.required_string("callback_query_id")
        with self.store.cond:
            record = self.store.callbacks.get(query_id)
            if record is None or record.answered:
                raise ApiError(400, QUERY_TOO_OLD)
            record.answered = True
            record.answer_text = params.string("text")
            record.show_alert = params.flag("show_alert")
            record.url = params.string("url")
            self.store.cond.notify_all()
        return True

    def _get_file(self, params: Params, me: User) -> dict[str, Any]:
        file_id = params.required_string("file_id")
        with self.store.cond:
            stored = self.store.files.get(file_id)
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return File(
            stored.file_id, stored.file_unique_id, len(stored.data), stored.file_path
        ).to_dict()

    def _get_chat(self, params: Params, me: User) -> dict[str, Any]:
        chat_id = params.required_integer("chat_id")
        with self.store.cond:
            if chat_id not in self.store.chats and self.store.strict_chats:
                raise ApiError(400, "Bad Request: chat not found")
            chat = self.store.chat_state(chat_id).chat
        gifts = AcceptedGiftTypes(False, False, False, False, False)
        return ChatFullInfo(
            id=chat.id,
            type=chat.type,
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types=gifts,
            title=chat.title,
            username=chat.username,
            first_name=chat.first_name,
            last_name=chat.last_name,
        ).to_dict()

    @staticmethod
    def _settings_key(params: Params) -> str:
        scope = params.structured("scope") or {"type": "default"}
        return f"{scope}|{params.string('language_code') or ''}"

    def _set_my_commands(self, params: Params, me: User) -> bool:
        commands = params.structured("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: commands is empty")
        parsed = [BotCommand(c["command"], c["description"]).to_dict() for c in commands]
        with self.store.cond:
            self.store.bot_settings[f"commands|{self._settings_key(params)}"] = parsed
        return True

    def _get_my_commands(self, params: Params, me: User) -> list[dict[str, Any]]:
        with self.store.cond:
            return list(self.store.bot_settings.get(f"commands|{self._settings_key(params)}", []))

    def _delete_my_commands(self, params: Params, me: User) -> bool:
        with self.store.cond:
            self.store.bot_settings.pop(f"commands|{self._settings_key(params)}", None)
        return True

    def _setter(self, name: str) -> Handler:
        def setter(params: Params, me: User) -> bool:
            with self.store.cond:
                key = f"{name}|{params.string('language_code') or ''}"
                self.store.bot_settings[key] = params.string(name) or ""
            return True

        return setter

    def _getter(self, name: str) -> Handler:
        def getter(params: Params, me: User) -> dict[str, str]:
            with self.store.cond:
                key = f"{name}|{params.string('language_code') or ''}"
                return {name: self.store.bot_settings.get(key, "")}

        return getter

    def _accept(self, method: str) -> Handler:
        def accept(params: Params, me: User) -> bool:
            with self.store.cond:
                self.store.bot_settings[method] = dict(params.values)
            return True

        return accept
