"""/privacy says how long health data is kept in the plural its number needs, and does not
promise an automatic erasure that RETENTION_MONTHS=0 turns off."""

from __future__ import annotations

from fakeapi import FakeBotApi, FakeUser
from tests.e2e.harness import running_bot


async def privacy_text(api: FakeBotApi, database_url: str, months: int, user_id: int) -> str:
    async with running_bot(api, database_url, retention_months=months):
        person = FakeUser(api, user_id)
        person.send_command("/privacy")
        shown = await person.wait_message_async(contains="Your privacy")
    return shown.text or ""


async def test_one_month_is_singular_and_zero_keeps_until_deleted(
    api: FakeBotApi, database_url: str
) -> None:
    one = await privacy_text(api, database_url, 1, 7101)
    assert "How long: until you delete it. If you don't write to me for 1 month, your" in one
    kept = await privacy_text(api, database_url, 0, 7102)
    assert "How long: until you delete it.\n" in kept
    assert "deleted automatically" not in kept
