"""Fixtures for coach tests: a fake Bot API, a migrated database, and bot settings."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings
from coaching import migrate
from tests.e2e.harness import sqlite_url

ADMIN = 9001


@pytest.fixture
async def url(tmp_path: Path) -> str:
    database_url = sqlite_url(tmp_path / "bot.sqlite3")
    await asyncio.to_thread(migrate.upgrade, database_url)
    return database_url


def bot_settings(**extra: Any) -> dict[str, Any]:
    """Settings for `running_bot`: one admin coach, fast dispatch, no planning noise."""
    values: dict[str, Any] = {
        "admin_ids": frozenset({ADMIN}),
        "dispatch_interval_seconds": 0.2,
        "plan_interval_seconds": 3600,
    }
    if "send_rate_limit" in Settings.model_fields:
        values["send_rate_limit"] = 0  # pacing is not what these tests are about
    values.update(extra)
    return values
