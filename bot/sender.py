"""The python-telegram-bot implementation of `scheduler.sender.Sender`.

Sends go through `application.bot`, so they are paced by the Application's
`AIORateLimiter`. Telegram's errors become outcomes the dispatcher records:
RetryAfter (429, after the limiter's own retries) → retry later; Forbidden
(403, blocked) or a chat that is gone → blocked; a timeout or a broken
connection after the request went out → unknown (it may have arrived, so it
is not resent); any other refusal → failed.

A message with a `photo` (a file_id Telegram already has) goes out with
sendPhoto, its text as the caption; a `paid` one with `allow_paid_broadcast`,
which the `AIORateLimiter` paces with its own 1000/s limiter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from scheduler.sender import Outcome, OutgoingMessage, SendResult

GONE = ("chat not found", "user is deactivated", "bot was kicked", "peer_id_invalid")
NOT_SENT = ("pool timeout", "connecterror", "connecttimeout", "connection refused")


def markup(message: OutgoingMessage) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(text, callback_data=data) for text, data in row]
            for row in message.buttons
        ]
    )


def _seconds(value: Any) -> float:
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


class BotSender:
    """Send scheduled messages as the bot; never raises, always reports an outcome."""

    def __init__(self, bot: Any) -> None:
        self.bot = bot

    async def send(self, message: OutgoingMessage) -> SendResult:
        extra: dict[str, Any] = {"allow_paid_broadcast": True} if message.paid else {}
        try:
            if message.photo is not None:
                sent = await self.bot.send_photo(
                    chat_id=message.chat_id,
                    photo=message.photo,
                    caption=message.text or None,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup(message),
                    **extra,
                )
            else:
                sent = await self.bot.send_message(
                    chat_id=message.chat_id,
                    text=message.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup(message),
                    **extra,
                )
        except RetryAfter as exc:
            return SendResult(
                Outcome.RETRY, retry_after=_seconds(exc.retry_after), error=exc.message
            )
        except Forbidden as exc:
            return SendResult(Outcome.BLOCKED, error=exc.message)
        except BadRequest as exc:
            gone = any(marker in exc.message.lower() for marker in GONE)
            return SendResult(Outcome.BLOCKED if gone else Outcome.FAILED, error=exc.message)
        except TimedOut as exc:
            surely_not_sent = any(marker in exc.message.lower() for marker in NOT_SENT)
            outcome = Outcome.RETRY if surely_not_sent else Outcome.UNKNOWN
            return SendResult(outcome, error=f"timed out: {exc.message}")
        except NetworkError as exc:
            surely_not_sent = any(marker in exc.message.lower() for marker in NOT_SENT)
            outcome = Outcome.RETRY if surely_not_sent else Outcome.UNKNOWN
            return SendResult(outcome, error=f"network: {exc.message}")
        except TelegramError as exc:
            return SendResult(Outcome.FAILED, error=exc.message)
        return SendResult(Outcome.SENT, message_id=sent.message_id)
