"""The `hipcoach` command line as an operator meets it: help, bad settings, migrations."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.e2e.harness import TOKEN, hipcoach_command


def hipcoach(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    clean.pop("DATABASE_URL", None)
    clean.update(env)
    return subprocess.run(  # noqa: S603 - our own console script
        [*hipcoach_command(), *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_lists_the_subcommands(tmp_path: Path) -> None:
    result = hipcoach("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("run", "sandbox", "migrate", "check", "kb"):
        assert command in result.stdout


def test_a_bad_setting_stops_start_up_with_one_line(tmp_path: Path) -> None:
    result = hipcoach("run", cwd=tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, PORT="http")
    assert result.returncode == 2
    assert result.stderr.startswith("hipcoach: PORT:")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_missing_token_is_named(tmp_path: Path) -> None:
    result = hipcoach("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN: not set" in result.stderr and "Traceback" not in result.stderr


def test_run_refuses_an_unmigrated_database_until_migrate(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'prod.sqlite3'}"
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "DATABASE_URL": url,
        "TELEGRAM_API_URL": "http://127.0.0.1:9",
    }
    refused = hipcoach("run", cwd=tmp_path, **env)
    assert refused.returncode == 2
    assert "hipcoach migrate" in refused.stderr and "Traceback" not in refused.stderr
    assert hipcoach("check", cwd=tmp_path, **env).returncode == 1
    migrated = hipcoach("migrate", cwd=tmp_path, **env)
    assert migrated.returncode == 0, migrated.stderr
    assert hipcoach("check", cwd=tmp_path, **env).stdout.strip() == "ok"
