"""Turning domain results into Telegram HTML and inline keyboards.

Every value that comes from a user or a coach goes through `ui`'s escaping,
so nothing typed by a person can break or inject markup.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from knowledge import KnowledgeBase
from knowledge.telegram_text import MESSAGE_LIMIT, split_html

Button = tuple[str, str]


def ui(kb: KnowledgeBase, lang: str, key: str, **params: object) -> str:
    """An interface text in the athlete's language with every parameter HTML-escaped."""
    return kb.ui_text(key, lang, **{name: html.escape(str(v)) for name, v in params.items()})


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


def chunk(buttons: Sequence[Button], width: int) -> list[list[Button]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split long HTML into parts that each fit one Telegram message.

    Counted as Telegram counts (UTF-16 code units after parsing), cut between
    paragraphs, else lines, else words; formatting open at a cut is closed and
    reopened, and nothing is dropped (see `knowledge.telegram_text.split_html`).
    """
    return split_html(text, limit)
