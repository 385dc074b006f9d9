"""Updates the bot has received when it is told to stop are handled before it ends.

Once `getUpdates` has handed updates over, the next poll (or the webhook's 200)
tells Telegram they arrived: they are never sent again, so a stop must not end
with some of them unhandled, nor close the database under them.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from telegram import Update

from bot.app import ALLOWED_UPDATES, build_application
from bot.runner import running
from bot.settings import load_settings
from coaching import migrate
from coaching.db import Database
from fakeapi import FakeBotApi, FakeUser
from knowledge import load_knowledge
from tests.e2e.harness import TOKEN, sqlite_url

ANN = 5


def start_command(update_id: int) -> dict[str, object]:
    person = {"id": ANN, "first_name": "Ann"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {**person, "type": "private"},
            "from": {**person, "is_bot": False},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_updates_received_before_a_stop_are_handled_before_the_database_closes(
    api: FakeBotApi, tmp_path: Path
) -> None:
    url = sqlite_url(tmp_path / "bot.sqlite3")
    await asyncio.to_thread(migrate.upgrade, url)
    FakeUser(api, ANN, first_name="Ann", started=True)
    settings = load_settings(
        telegram_bot_token=TOKEN, telegram_api_url=api.root_url, database_url=url
    )
    application = build_application(settings, Database(url), load_knowledge())
    async with running(application, settings, ALLOWED_UPDATES):
        for update_id in (1, 2, 3):  # received, not yet handled, when the stop comes
            await application.update_queue.put(
                Update.de_json(start_command(update_id), application.bot)
            )
    # Right after the stop, not some time later: the replies went before it ended.
    greetings = [m for m in api.messages(ANN) if (m.text or "").startswith("Hi Ann!")]
    assert len(greetings) == 3
