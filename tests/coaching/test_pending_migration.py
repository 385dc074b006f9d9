"""Migration 0008 carries every question a flow had open into `pending_question`, and back.

On an SQLite file (the embedded default): the schema at 0007 is filled as the
old code left it, then upgraded; the newest open question of each chat wins.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from alembic import command

from coaching import migrate
from tests.databases import in_thread

NOW = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def at(minutes_ago: float) -> str:
    return (NOW - dt.timedelta(minutes=minutes_ago)).isoformat(sep=" ")


def test_open_questions_are_carried_over_and_back(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    in_thread(lambda: migrate.upgrade(url, "0007"))
    with sqlite3.connect(path) as raw:
        for athlete_id, step in ((1, "tz"), (2, None), (3, None), (4, "days")):
            raw.execute(
                "INSERT INTO athlete (id, first_name, language, run_days_mask, active, created_at,"
                " onboarding_step, last_seen_at) VALUES (?, 'A', 'en', 0, 1, ?, ?, ?)",
                (athlete_id, at(600), step, at(60)),
            )
        # 2: typed tip time asked 5 minutes ago; 3: one asked two hours ago (long dead).
        for athlete_id, asked in ((2, at(5)), (3, at(120)), (4, at(1))):
            raw.execute(
                "INSERT INTO reminder_settings (athlete_id, tips_enabled, tip_weekday, tip_time,"
                " warmups_enabled, warmup_lead_minutes, checkins_enabled, checkin_weekday,"
                " checkin_time, retest_enabled, paused, computed_run_days_mask, draft, draft_at,"
                " updated_at) VALUES (?, 1, 0, '08:00:00', 1, 45, 1, 6, '18:00:00', 1, 0, 0,"
                " 'tip_time', ?, ?)",
                (athlete_id, asked, asked),
            )
        # 3 is also half-way through a self-test, answered 10 minutes ago.
        raw.execute(
            "INSERT INTO selftest_session (id, athlete_id, status, step_index, answers,"
            " content_version, started_at, updated_at, version)"
            " VALUES (7, 3, 'active', 2, '{}', 'v', ?, ?, 1)",
            (at(20), at(10)),
        )
    in_thread(lambda: migrate.upgrade(url, "0008"))
    with sqlite3.connect(path) as raw:
        carried = raw.execute(
            "SELECT chat_id, kind, step, ref_id FROM pending_question ORDER BY chat_id"
        ).fetchall()
        columns = [row[1] for row in raw.execute("PRAGMA table_info(reminder_settings)")]
    assert carried == [
        (1, "onboarding", "tz", None),  # onboarding, nothing newer
        (2, "settings", "tip_time", None),  # the typed time, still waited for
        (3, "selftest", None, 7),  # the settings question had died: the self-test
        (4, "settings", "tip_time", None),  # newer than the onboarding step
    ]
    assert "draft" not in columns and "draft_at" not in columns

    in_thread(lambda: command.downgrade(migrate.alembic_config(url), "0007"))
    with sqlite3.connect(path) as raw:
        drafts = raw.execute(
            "SELECT athlete_id, draft FROM reminder_settings ORDER BY athlete_id"
        ).fetchall()
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
    assert drafts == [(2, "tip_time"), (3, None), (4, "tip_time")]
    assert "pending_question" not in tables
