"""Migration 0011 gives every group a comparison key, renaming names a coach had twice.

On an SQLite file (the embedded default): groups are made at 0010 as the old
code allowed (the same name twice, in another case), then upgraded and back.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command

from coaching import migrate
from tests.databases import in_thread

OLD_GROUPS = [
    (1, 10, "Track"),
    (2, 10, "TRACK"),
    (3, 10, "Hills"),
    (4, 20, "Track"),  # another coach's: theirs to keep
    (5, 10, "track"),
    (6, 10, "Track (2)"),  # taken already: the next free number is used
]


def test_duplicate_names_are_renamed_and_keys_filled(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    in_thread(lambda: migrate.upgrade(url, "0010"))
    with sqlite3.connect(path) as raw:
        for coach_id in (10, 20):
            raw.execute(
                "INSERT INTO coach (user_id, via, created_at) VALUES (?, 'admin', '2026-01-01')",
                (coach_id,),
            )
        for group_id, coach_id, name in OLD_GROUPS:
            raw.execute(
                "INSERT INTO training_group (id, coach_id, name, join_code, created_at)"
                " VALUES (?, ?, ?, ?, '2026-01-01')",
                (group_id, coach_id, name, f"code{group_id}"),
            )
    in_thread(lambda: migrate.upgrade(url, "0011"))
    with sqlite3.connect(path) as raw:
        rows = raw.execute("SELECT id, name, name_key FROM training_group ORDER BY id").fetchall()
        assert rows == [
            (1, "Track", "track"),
            (2, "TRACK (2)", "track (2)"),
            (3, "Hills", "hills"),
            (4, "Track", "track"),
            (5, "track (3)", "track (3)"),
            (6, "Track (2) (2)", "track (2) (2)"),
        ]
        with pytest.raises(sqlite3.IntegrityError):
            raw.execute(
                "INSERT INTO training_group (coach_id, name, name_key, join_code, created_at)"
                " VALUES (10, 'hills', 'hills', 'codeX', '2026-01-02')"
            )
        raw.execute("UPDATE training_group SET archived_at = '2026-02-01' WHERE id = 3")
        raw.execute(  # an archived name may be used again
            "INSERT INTO training_group (coach_id, name, name_key, join_code, created_at)"
            " VALUES (10, 'hills', 'hills', 'codeY', '2026-01-02')"
        )

    in_thread(lambda: command.downgrade(migrate.alembic_config(url), "0010"))
    with sqlite3.connect(path) as raw:
        columns = [row[1] for row in raw.execute("PRAGMA table_info(training_group)")]
    assert "name_key" not in columns and "archived_at" not in columns
