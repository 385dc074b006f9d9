"""One page of any list, so that no list the bot sends is ever cut short.

Telegram caps a message at 4096 characters: a coach's list of 500 athletes or
200 broadcasts joined into one message used to lose its tail silently. Lists
are shown a page at a time instead, with Prev/Next buttons that carry only
the page number; the page is recomputed from the list as it stands when the
button is tapped, so a number from an old message that now points past the
end shows the last page rather than nothing::

    page = paged(athletes, number=2)        # the third page, or the last one
    page.items, page.number, page.count     # what to show, "3 of 12"
    page.previous, page.next                # the numbers for the buttons, or None

A page holds at most `size` entries; every entry is on exactly one page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

PAGE_SIZE = 20
"""Entries per page: 20 lines of a list stay well under one message, even with long names."""

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """The entries of one page and where it sits among the others."""

    items: Sequence[T]
    number: int
    """From 0."""
    count: int
    """How many pages there are (1 for an empty list: a page saying "none")."""
    total: int
    """How many entries the whole list has."""
    size: int

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 0 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number + 1 < self.count else None

    @property
    def first_index(self) -> int:
        """The position of this page's first entry in the whole list (from 0)."""
        return self.number * self.size


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    if size < 1:
        raise ValueError("a page holds at least one entry")
    return max(1, -(-total // size))


def paged(entries: Sequence[T], number: int, size: int = PAGE_SIZE) -> Page[T]:
    """Page `number` of `entries`; a number out of range gives the nearest page."""
    count = page_count(len(entries), size)
    number = min(max(number, 0), count - 1)
    start = number * size
    return Page(entries[start : start + size], number, count, len(entries), size)
