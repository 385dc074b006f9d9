"""Coach-facing texts that embed a count read right for one and for many, in English
and Finnish: "1 member" and "2 members", "1 jäsen" and "2 jäsentä"."""

from __future__ import annotations

import pytest

from bot.counted import plural_text
from knowledge import KnowledgeBase

COACH_PLURALS = (
    "coach_invite_link",
    "groups_line",
    "athletes_group",
    "export_caption_coach",
    "delete_confirm_coach",
    "broadcast_preview",
    "broadcast_confirm_scheduled",
    "broadcast_queued",
    "broadcast_scheduled",
    "broadcast_cancelled",
    "broadcast_cancel_confirm",
    "broadcast_unconfirmed",
    "broadcast_resend_button",
    "broadcast_resent",
    "console_seen_days",
    "console_nudge_button",
    "console_broadcast_replies",
    "card_tests",
    "nudge_preview",
    "nudge_send_button",
    "nudge_sent",
    "group_unlinked",
    "count_chats",
)
VALUES = {
    "link": "https://t.me/x",
    "group": "Track",
    "chat": "—",
    "members": 3,
    "audience": "Track",
    "chats": "0",
    "when": "Tue 07:00",
    "id": 4,
    "latest": "Dec 1",
    "filter": "silent",
    "names": "Ann",
}

# (key, language, count, what the text must say)
EXPECTED = [
    ("groups_line", "en", 1, "</b> — 1 member\n"),
    ("groups_line", "en", 12, "</b> — 12 members\n"),
    ("groups_line", "fi", 1, "</b> — 1 jäsen\n"),
    ("groups_line", "fi", 12, "</b> — 12 jäsentä\n"),
    ("broadcast_preview", "en", 1, "1 athlete,"),
    ("broadcast_preview", "en", 5, "5 athletes,"),
    ("broadcast_preview", "fi", 1, "1 urheilija,"),
    ("broadcast_preview", "fi", 5, "5 urheilijaa,"),
    ("broadcast_cancelled", "en", 1, "1 message will not be sent"),
    ("broadcast_cancelled", "en", 3, "3 messages will not be sent"),
    ("broadcast_cancelled", "fi", 1, "1 viesti jää"),
    ("broadcast_cancelled", "fi", 3, "3 viestiä jää"),
    ("console_seen_days", "en", 1, "1 day ago"),
    ("console_seen_days", "en", 14, "14 days ago"),
    ("console_seen_days", "fi", 1, "1 päivä sitten"),
    ("console_seen_days", "fi", 14, "14 päivää sitten"),
    ("coach_invite_link", "en", 1, "valid 1 hour,"),
    ("coach_invite_link", "en", 48, "valid 48 hours,"),
    ("count_chats", "fi", 1, "1 ryhmächat"),
    ("count_chats", "fi", 2, "2 ryhmächattia"),
    ("console_broadcast_replies", "en", 1, "1 reply"),
    ("console_broadcast_replies", "en", 1000, "1,000 replies"),
    ("console_broadcast_replies", "fi", 1000, "1\xa0000 vastausta"),
]


@pytest.mark.parametrize(("key", "lang", "count", "says"), EXPECTED)
def test_one_and_many_read_right(
    kb: KnowledgeBase, key: str, lang: str, count: int, says: str
) -> None:
    assert says in plural_text(kb, lang, key, count, **VALUES)


@pytest.mark.parametrize("key", COACH_PLURALS)
@pytest.mark.parametrize("lang", ["en", "fi"])
def test_every_coach_count_text_has_its_forms(kb: KnowledgeBase, key: str, lang: str) -> None:
    """Each is declared a plural, has a "one" and an "other" form, and fills in its count."""
    assert key in kb.meta.plurals
    assert {f"{key}_one", f"{key}_other"} <= set(kb.ui)
    assert "7" in plural_text(kb, lang, key, 7, **VALUES)
    assert "1" in plural_text(kb, lang, key, 1, **VALUES)


def test_values_are_escaped(kb: KnowledgeBase) -> None:
    shown = plural_text(kb, "en", "groups_line", 2, **{**VALUES, "group": "A & <B>"})
    assert "A &amp; &lt;B&gt;" in shown
