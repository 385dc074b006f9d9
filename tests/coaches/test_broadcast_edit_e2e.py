"""Editing a broadcast from its preview, and the warning before sending it to nobody.

A coach and two athletes against the fake Bot API: the text typed again from the
preview replaces the first one and keeps the audience; a photo's caption is
edited the same way; an audience nobody is in is called out in the preview and
in the scheduled confirmation.
"""

from __future__ import annotations

from fakeapi import FakeBotApi, FakeUser
from knowledge import KnowledgeBase
from tests.coaches.conftest import ADMIN, bot_settings
from tests.coaches.test_flow_e2e import new_group
from tests.coaches.test_photo_paid_leave_e2e import JPEG, join
from tests.e2e.harness import running_bot, tap_when_shown

WARNING = "Nobody would get this now"


def text(kb: KnowledgeBase, key: str) -> str:
    return kb.ui_text(key, "en")


async def test_edit_the_text_and_the_caption_from_the_preview(
    api: FakeBotApi, url: str, kb: KnowledgeBase
) -> None:
    async with running_bot(api, url, **bot_settings()):
        coach = FakeUser(api, ADMIN, first_name="Yan")
        code = await new_group(coach, "Mornings")
        await new_group(coach, "Empty")
        ann = await join(api, kb, 2001, "Ann", code)
        bob = await join(api, kb, 2002, "Bob", code)

        coach.send_command("/broadcast")
        await coach.wait_message_async(contains=text(kb, "broadcast_ask_text")[:20])
        coach.send_text("First draft")
        await tap_when_shown(coach, "Empty")
        empty = await coach.wait_message_async(contains="Recipients: 0 athletes")
        assert WARNING in (empty.text or ""), "an audience of nobody is called out"
        await coach.wait_callback_answered_async(coach.tap(text(kb, "back"), in_message=empty))
        await tap_when_shown(coach, "Mornings")
        preview = await coach.wait_message_async(contains="Recipients: 2 athletes")
        assert WARNING not in (preview.text or "")

        await coach.wait_callback_answered_async(
            coach.tap(text(kb, "broadcast_edit_button"), in_message=preview)
        )
        await coach.wait_message_async(contains=text(kb, "broadcast_ask_edit")[:20])
        coach.send_text("Second <b>draft</b> & more")
        again = await coach.wait_message_async(contains="Recipients: 2 athletes")
        assert "To: Mornings" in (again.text or ""), "the audience is kept"
        shown = [m.raw_text for m in coach.messages if "draft" in (m.text or "")]
        assert shown[-1] == "Second <b>draft</b> &amp; more", "the new text is previewed"
        await coach.wait_callback_answered_async(
            coach.tap(text(kb, "broadcast_send_now"), in_message=again)
        )
        await coach.wait_message_async(contains="is being sent to 2 recipients")
        for athlete in (ann, bob):
            got = await athlete.wait_message_async(contains="Second draft & more")
            assert "First draft" not in (got.text or "")

        # A photo's caption: edited from the preview, the photo stays.
        coach.send_command("/broadcast")
        await coach.wait_message_async(contains=text(kb, "broadcast_photo_hint")[:20])
        coach.send_photo(JPEG, "Old caption")
        await tap_when_shown(coach, "Mornings")
        preview = await coach.wait_message_async(contains="Recipients: 2 athletes")
        await coach.wait_callback_answered_async(
            coach.tap(text(kb, "broadcast_edit_caption_button"), in_message=preview)
        )
        await coach.wait_message_async(contains="Type the new caption")
        coach.send_text("x" * 1025)
        await coach.wait_message_async(contains="1025")
        coach.send_text("New caption")
        again = await coach.wait_message_async(contains="Recipients: 2 athletes")
        photo = [m for m in coach.messages if m.kind == "photo"][-1]
        assert photo.text == "New caption" and photo.data == JPEG
        await coach.wait_callback_answered_async(
            coach.tap(text(kb, "broadcast_send_now"), in_message=again)
        )
        got = await ann.wait_message_async(predicate=lambda e: e.message.kind == "photo")
        assert (got.message.text or "").endswith("New caption")
        assert got.message.data == JPEG


async def test_a_scheduled_broadcast_to_nobody_is_called_out_before_confirming(
    api: FakeBotApi, url: str, kb: KnowledgeBase
) -> None:
    async with running_bot(api, url, **bot_settings()):
        coach = FakeUser(api, ADMIN, first_name="Yan")
        await new_group(coach, "Empty")
        coach.send_command("/timezone", "Europe/Helsinki")
        await coach.wait_message_async(contains="now Europe/Helsinki")
        coach.send_command("/broadcast")
        await coach.wait_message_async(contains=text(kb, "broadcast_ask_text")[:20])
        coach.send_text("Anyone there?")
        await tap_when_shown(coach, "Empty")
        await tap_when_shown(coach, text(kb, "broadcast_schedule"))
        asked = await coach.wait_message_async(contains="When should it go out?")
        assert "Europe/Helsinki" in (asked.text or "")
        coach.send_text("huomenna klo 7")
        confirm = await coach.wait_message_async(contains="Send at ")
        assert WARNING in (confirm.text or "")
        assert "07:00 (Europe/Helsinki)" in (confirm.text or ""), "in the coach's own zone"
