"""The pager: every entry of a list is on exactly one page, whatever the sizes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from coaching.paging import PAGE_SIZE, page_count, paged


def all_pages(entries: list[int], size: int) -> list[list[int]]:
    """Walk the list as a person would: from page 0, following Next until there is none."""
    pages, number = [], 0
    while True:
        page = paged(entries, number, size)
        pages.append(list(page.items))
        if page.next is None:
            return pages
        assert page.next == number + 1
        number = page.next


def test_500_entries_each_appear_exactly_once_across_pages() -> None:
    entries = list(range(500))
    pages = all_pages(entries, PAGE_SIZE)
    assert len(pages) == 25
    seen = [entry for page in pages for entry in page]
    assert seen == entries
    assert all(len(page) <= PAGE_SIZE for page in pages)


@given(st.integers(0, 600), st.integers(1, 60))
def test_any_list_is_covered_once_in_order(total: int, size: int) -> None:
    entries = list(range(total))
    pages = all_pages(entries, size)
    assert [e for page in pages for e in page] == entries
    assert len(pages) == page_count(total, size)


def test_prev_and_next_stop_at_the_ends_and_an_old_number_shows_the_nearest_page() -> None:
    entries = list(range(45))
    first = paged(entries, 0, 20)
    assert (first.previous, first.next, first.count, first.total) == (None, 1, 3, 45)
    last = paged(entries, 2, 20)
    assert (last.previous, last.next, list(last.items)) == (1, None, list(range(40, 45)))
    assert paged(entries, 99, 20).number == 2, "the list shrank since the button was shown"
    assert paged(entries, -3, 20).number == 0
    nothing: list[int] = []
    empty = paged(nothing, 0, 20)
    assert (empty.count, empty.next, empty.previous, list(empty.items)) == (1, None, None, [])
