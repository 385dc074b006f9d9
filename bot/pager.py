"""Prev/Next under one page of a list: the same two buttons on every list the bot pages.

A page comes from `coaching.paging.paged`; each list has its own button kind
that carries only the page number, so `data(number)` builds it::

    page = paged(groups, number, GROUPS_PAGE)
    rows.append(nav_row(context, page, lambda n: GroupsPage(n).encode()))

The row is empty on a list of one page (callers add it only when it has buttons).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.context import HipContext
from bot.render import Button
from coaching.paging import Page


def nav_row(context: HipContext, page: Page[Any], data: Callable[[int], str]) -> list[Button]:
    """◀ Prev and Next ▶, each only where there is such a page."""
    row: list[Button] = []
    if page.previous is not None:
        row.append((context.kb.ui_text("console_prev", context.lang), data(page.previous)))
    if page.next is not None:
        row.append((context.kb.ui_text("console_next", context.lang), data(page.next)))
    return row


def with_nav(
    rows: list[list[Button]], context: HipContext, page: Page[Any], data: Callable[[int], str]
) -> list[list[Button]]:
    """`rows` with the Prev/Next row added when the list has more than one page."""
    row = nav_row(context, page, data)
    return [*rows, row] if row else rows


__all__ = ["nav_row", "with_nav"]
