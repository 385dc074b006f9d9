"""A fake Telegram Bot API over real HTTP, and a scripted user to talk to the bot.

Used by the end-to-end tests and the local sandbox mode. Imports nothing else of ours.
``fakeapi.faults`` has a proxy to put in front of it for network faults.
"""

from fakeapi.records import (
    ApiCall,
    ApiError,
    BotEvent,
    BotMessage,
    CallbackQueryRecord,
    Edit,
    StoredFile,
)
from fakeapi.server import FakeBotApi, WaitTimeout
from fakeapi.user import FakeUser

__all__ = [
    "ApiCall",
    "ApiError",
    "BotEvent",
    "BotMessage",
    "CallbackQueryRecord",
    "Edit",
    "FakeBotApi",
    "FakeUser",
    "StoredFile",
    "WaitTimeout",
]
