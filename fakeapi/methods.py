"""The Bot API methods the bot calls (sendMessage, editMessageText, answerCallbackQuery…).

Each method checks its input the way Telegram does and answers with Telegram's
own wording and status, so a bot that passes here does not fail on the real
API. What is refused:

- text: HTML as Telegram's parser reads it (``html_check``), a text empty after
  parsing, more than 4096 UTF-16 code units (1024 for a caption);
- inline keyboards: at most 100 buttons, each with a text and exactly one action,
  ``callback_data`` of 1–64 bytes, a URL button with an http(s)/tg URL;
- chats: an unknown chat (400 "chat not found"), a user who never wrote to the
  bot (403 "bot can't initiate conversation with a user"), a blocked user (403),
  a group that became a supergroup (400 with ``migrate_to_chat_id``);
- flood: more than ``private_burst`` messages in a second to one private chat,
  more than ``group_per_minute`` in a minute to one group, over ``max_per_second``
  in all (429 with ``retry_after``);
- edits that change nothing (text, entities and keyboard compared): "message is
  not modified";
- answerCallbackQuery: a text over 200 characters, a query answered twice or
  older than ``callback_query_max_age`` ("query is too old");
- setMyCommands (1–100 commands, 1–32 characters of ``a-z0-9_``, descriptions of
  1–256), setMyDescription (≤ 512), setMyShortDescription (≤ 120), setMyName (≤ 64),
  and language codes other than two lowercase letters;
- files: getFile over 20 MB ("file is too big"), sendDocument over 50 MB (413),
  sendPhoto of bytes that are not an image or of a document's file_id.

Results are shaped by PTB's own types, so they deserialise as Telegram's do;
messages carry their entities, so ``message.text_html`` round-trips.
"""

from __future__ import annotations

import math
import re
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
from fakeapi.html_check import (
    CAPTION_LIMIT,
    MESSAGE_LIMIT,
    Entity,
    HtmlParseError,
    ParsedText,
    link_url,
    parse_html,
    parse_plain,
)
from fakeapi.params import Params, Upload
from fakeapi.records import ApiError, BotEvent, BotMessage, Edit, StoredFile

Handler = Callable[[Params, User], Any]
AsyncHandler = Callable[[Params, User], Awaitable[Any]]

MAX_TEXT = MESSAGE_LIMIT
MAX_CAPTION = CAPTION_LIMIT
MAX_BUTTONS = 100
MAX_CALLBACK_DATA = 64
MAX_ANSWER_TEXT = 200
MAX_COMMANDS = 100
BOT_TEXT_LIMITS = {"description": 512, "short_description": 120, "name": 64}
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM")
COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
LANGUAGE_RE = re.compile(r"(?:[a-z]{2})?")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CANT_INITIATE = "Forbidden: bot can't initiate conversation with a user"
MIGRATED = "Bad Request: group chat was upgraded to a supergroup chat"


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

    def _check_can_send(self, chat_id: int, *, counts: bool) -> ChatState:
        """The chat, if the bot may send there now; call with the lock held.

        Unknown chats, users who never wrote to the bot, blocked users, migrated
        groups, then (for messages, not chat actions) the per-chat and global
        flood limits.
        """
        store = self.store
        state = store.chat_state(chat_id)
        chat = state.chat
        if state.migrated_to is not None:
            raise ApiError(400, MIGRATED, migrate_to_chat_id=state.migrated_to)
        if chat.type == Chat.PRIVATE:
            if chat_id not in store.started_user_ids:
                raise ApiError(403, CANT_INITIATE)
            if chat_id in store.blocked_user_ids:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
        if not counts:
            return state
        now = time.monotonic()
        if state.send_times is None:
            state.send_times = deque()
        if chat.type == Chat.PRIVATE:
            self._flood(state.send_times, now, 1.0, store.private_burst)
        else:
            self._flood(state.send_times, now, 60.0, store.group_per_minute)
        if store.max_per_second is not None:
            self._flood(self._send_times, now, 1.0, store.max_per_second)
        state.send_times.append(now)
        if store.max_per_second is not None:
            self._send_times.append(now)
        return state

    @staticmethod
    def _flood(window: deque[float], now: float, seconds: float, limit: float | None) -> None:
        """429 when ``window`` already holds ``limit`` sends within ``seconds``."""
        while window and window[0] <= now - seconds:
            window.popleft()
        if limit is not None and len(window) >= limit:
            retry_after = max(1, math.ceil(window[0] + seconds - now))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    # ------------------------------------------------------------------ sending

    def _render(
        self, text: str, parse_mode: str | None, params: Params, *, caption: bool
    ) -> ParsedText:
        """What the user sees for ``text``; raises Telegram's errors for bad input."""
        limit = MAX_CAPTION if caption else MAX_TEXT
        mode = (parse_mode or "").lower()
        try:
            if mode == "html":
                parsed = parse_html(text, allow_empty=caption)
            elif mode in ("", "markdown", "markdownv2"):
                parsed = parse_plain(text, allow_empty=caption)
                given = params.structured("caption_entities" if caption else "entities")
                if isinstance(given, list) and not mode:  # offsets are into the text as sent
                    return _with_entities(ParsedText(text), given, limit, caption)
            else:
                raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r}")
        except HtmlParseError as exc:
            raise ApiError(400, exc.description) from None
        _check_length(parsed, limit, caption)
        return parsed

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
        parsed = None
        if text is not None:
            if kind == "text":
                parsed = self._render(text, parse_mode, params, caption=False)
            elif text:
                parsed = self._render(text, parse_mode, params, caption=True)
                if not parsed.text:
                    parsed = None
        markup = params.structured("reply_markup")
        check_reply_markup(markup)
        plain = parsed.text if parsed is not None else None
        entities = parsed.entity_dicts() if parsed is not None else []
        store = self.store
        with store.cond:
            state = self._check_can_send(chat_id, counts=True)
            message_id = state.next_message_id
            state.next_message_id += 1
            message = BotMessage(
                chat_id, message_id, int(time.time()), kind, plain, text, parse_mode, markup, file
            )
            message.entities = entities
            if store.record_messages:
                state.messages[message_id] = message
                state.events.append(BotEvent("message", message, plain, markup, entities))
                store.on_event(chat_id)
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
            if message.entities:
                result["entities"] = [dict(e) for e in message.entities]
        elif message.text is not None:
            result["caption"] = message.text
            if message.entities:
                result["caption_entities"] = [dict(e) for e in message.entities]
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
            if kind == "photo":
                if not upload.data.startswith(IMAGE_SIGNATURES) and not _is_webp(upload.data):
                    raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
                if mime in (None, "application/octet-stream"):
                    mime = "image/jpeg"
            elif len(upload.data) > self.store.max_upload_bytes:
                raise ApiError(413, "Request Entity Too Large")
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
            if kind == "photo" and not known.is_photo:
                raise ApiError(400, "Bad Request: can't use file of type Document as Photo")
            if kind == "document" and known.is_photo:
                raise ApiError(400, "Bad Request: can't use file of type Photo as Document")
            file = known
        return self._record_send(params, me, kind, params.string("caption"), file)

    def _send_chat_action(self, params: Params, me: User) -> bool:
        chat_id = params.required_integer("chat_id")
        params.required_string("action")
        with self.store.cond:
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
        parsed: ParsedText | None,
        raw: str | None,
        parse_mode: str | None,
        markup: dict[str, Any] | None,
        me: User,
    ) -> dict[str, Any]:
        """Record an edit unless nothing changes; call with the lock held."""
        plain = parsed.text if parsed is not None else None
        entities = parsed.entity_dicts() if parsed is not None else []
        if (
            plain == message.text
            and entities == message.entities
            and markup == message.reply_markup
        ):
            raise ApiError(400, NOT_MODIFIED)
        message.edits.append(Edit(message.text, message.reply_markup, message.entities))
        message.text, message.raw_text, message.parse_mode = plain, raw, parse_mode
        message.entities = entities
        message.reply_markup = markup
        state.events.append(BotEvent("edit", message, plain, markup, entities))
        self.store.on_event(message.chat_id)
        self.store.cond.notify_all()
        return self.message_dict(message, state.chat, me, edited=True)

    def _edit_message_text(self, params: Params, me: User) -> dict[str, Any]:
        raw = params.string("text") or ""
        parse_mode = params.string("parse_mode")
        parsed = self._render(raw, parse_mode, params, caption=False)
        markup = params.structured("reply_markup")
        check_reply_markup(markup)
        with self.store.cond:
            state, message = self._editable(params)
            if message.kind != "text":
                raise ApiError(400, "Bad Request: there is no text in the message to edit")
            return self._apply_edit(state, message, parsed, raw, parse_mode, markup, me)

    def _edit_message_caption(self, params: Params, me: User) -> dict[str, Any]:
        raw = params.string("caption")
        parse_mode = params.string("parse_mode")
        parsed = self._render(raw, parse_mode, params, caption=True) if raw else None
        if parsed is not None and not parsed.text:
            parsed = None
        markup = params.structured("reply_markup")
        check_reply_markup(markup)
        with self.store.cond:
            state, message = self._editable(params)
            if message.kind == "text":
                raise ApiError(400, "Bad Request: there is no caption in the message to edit")
            return self._apply_edit(state, message, parsed, raw, parse_mode, markup, me)

    def _edit_message_reply_markup(self, params: Params, me: User) -> dict[str, Any]:
        markup = params.structured("reply_markup")
        check_reply_markup(markup)
        with self.store.cond:
            state, message = self._editable(params)
            current = None
            if message.text is not None:
                current = ParsedText(message.text, tuple(_entity(e) for e in message.entities))
            return self._apply_edit(
                state, message, current, message.raw_text, message.parse_mode, markup, me
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
        text = params.string("text")
        if text is not None and len(text) > MAX_ANSWER_TEXT:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        url = params.string("url")
        with self.store.cond:
            record = self.store.callbacks.get(query_id)
            if record is None or record.answered:
                raise ApiError(400, QUERY_TOO_OLD)
            if time.monotonic() - record.created_at > self.store.callback_query_max_age:
                raise ApiError(400, QUERY_TOO_OLD)
            record.answered = True
            record.answer_text = text
            record.show_alert = params.flag("show_alert")
            record.url = url
            self.store.cond.notify_all()
        return True

    def _get_file(self, params: Params, me: User) -> dict[str, Any]:
        file_id = params.required_string("file_id")
        with self.store.cond:
            stored = self.store.files.get(file_id)
            limit = self.store.max_download_bytes
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if len(stored.data) > limit:
            raise ApiError(400, "Bad Request: file is too big")
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
        return f"{scope}|{_language_code(params)}"

    def _set_my_commands(self, params: Params, me: User) -> bool:
        commands = params.structured("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > MAX_COMMANDS:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        parsed = []
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not COMMAND_RE.fullmatch(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            parsed.append(BotCommand(name, description).to_dict())
        key = self._settings_key(params)
        with self.store.cond:
            self.store.bot_settings[f"commands|{key}"] = parsed
        return True

    def _get_my_commands(self, params: Params, me: User) -> list[dict[str, Any]]:
        key = self._settings_key(params)
        with self.store.cond:
            return list(self.store.bot_settings.get(f"commands|{key}", []))

    def _delete_my_commands(self, params: Params, me: User) -> bool:
        key = self._settings_key(params)
        with self.store.cond:
            self.store.bot_settings.pop(f"commands|{key}", None)
        return True

    def _setter(self, name: str) -> Handler:
        limit = BOT_TEXT_LIMITS[name]

        def setter(params: Params, me: User) -> bool:
            value = params.string(name) or ""
            if len(value) > limit:
                raise ApiError(400, f"Bad Request: bot {name.replace('_', ' ')} is too long")
            key = f"{name}|{_language_code(params)}"
            with self.store.cond:
                self.store.bot_settings[key] = value
            return True

        return setter

    def _getter(self, name: str) -> Handler:
        def getter(params: Params, me: User) -> dict[str, str]:
            key = f"{name}|{_language_code(params)}"
            with self.store.cond:
                return {name: self.store.bot_settings.get(key, "")}

        return getter

    def _accept(self, method: str) -> Handler:
        def accept(params: Params, me: User) -> bool:
            with self.store.cond:
                self.store.bot_settings[method] = dict(params.values)
            return True

        return accept


# ---------------------------------------------------------------------- checks


def check_reply_markup(markup: Any) -> None:
    """Refuse an inline keyboard Telegram would refuse (other markups pass)."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, "Bad Request: can't parse inline keyboard: field must be an Array")
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise ApiError(400, "Bad Request: REPLY_MARKUP_TOO_LONG")
    for row in rows:
        for button in row:
            _check_button(button)


def _check_button(button: Any) -> None:
    prefix = "Bad Request: can't parse inline keyboard button: "
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise ApiError(400, prefix + 'Field "text" must be of type String')
    if not button["text"].strip():
        raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
    actions = [name for name in BUTTON_ACTIONS if button.get(name) is not None]
    if not actions:
        raise ApiError(400, prefix + "Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise ApiError(400, prefix + "exactly one of the optional fields must be used")
    data = button.get("callback_data")
    if data is not None:
        size = len(data.encode("utf-8")) if isinstance(data, str) else 0
        if not 1 <= size <= MAX_CALLBACK_DATA:
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and (not isinstance(url, str) or link_url(url) is None):
        raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")


def _language_code(params: Params) -> str:
    """The ``language_code`` of bot settings: empty, or two lowercase letters."""
    code = params.string("language_code") or ""
    if not LANGUAGE_RE.fullmatch(code):
        raise ApiError(400, "Bad Request: Invalid language code specified")
    return code


def _check_length(parsed: ParsedText, limit: int, caption: bool) -> None:
    if parsed.length > limit:
        what = "caption" if caption else "text"
        raise ApiError(400, f"Bad Request: message {what} is too long")


def _with_entities(parsed: ParsedText, given: list[Any], limit: int, caption: bool) -> ParsedText:
    """Plain text with entities the bot passed itself (``entities``/``caption_entities``)."""
    entities = []
    total = parsed.length
    for item in given:
        if not isinstance(item, dict):
            raise ApiError(400, "Bad Request: can't parse entities JSON object")
        entity = _entity(item)
        if entity.offset < 0 or entity.length <= 0 or entity.offset + entity.length > total:
            raise ApiError(400, "Bad Request: entity is out of the text")
        entities.append(entity)
    result = ParsedText(parsed.text, tuple(entities))
    _check_length(result, limit, caption)
    return result


def _entity(item: dict[str, Any]) -> Entity:
    try:
        return Entity(
            str(item["type"]),
            int(item["offset"]),
            int(item["length"]),
            url=item.get("url"),
            language=item.get("language"),
            custom_emoji_id=item.get("custom_emoji_id"),
        )
    except (KeyError, TypeError, ValueError):
        raise ApiError(400, "Bad Request: can't parse entities JSON object") from None


def _is_webp(data: bytes) -> bool:
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
