"""The sandbox's own pieces: a clock that survives a restart, files saved under names that open."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.sandbox.chat import saved_name
from bot.sandbox.clock import ShiftableClock


def test_the_clock_goes_on_where_it_was_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    clock = ShiftableClock(path)
    clock.forward("2d")
    again = ShiftableClock(path)
    assert again.offset == dt.timedelta(days=2)
    assert again() - dt.timedelta(days=2) <= dt.datetime.now(dt.UTC)
    path.write_text("not json")
    assert ShiftableClock(path).offset == dt.timedelta(), "unreadable: real time"


def test_a_chart_is_saved_as_png_and_a_named_file_keeps_its_name() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 8
    assert saved_name(7, None, "photo", png) == "7-photo.png"
    assert saved_name(8, None, "photo", b"\xff\xd8\xff\xe0") == "8-photo.jpg"
    assert saved_name(9, "../../etc/group-3.csv", "document", b"a,b") == "9-group-3.csv"
    assert saved_name(10, None, "document", b"??") == "10-document.bin"
