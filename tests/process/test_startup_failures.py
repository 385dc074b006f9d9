"""`hipcoach run` when what the settings point at is unusable: one line naming the fix, exit 2.

Each case runs the real command as a child process, the way an operator meets
it, and checks that the bot token appears nowhere in what it printed.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from fakeapi import FakeBotApi
from tests.e2e.harness import TOKEN
from tests.process.commands import assert_one_line_without_token, hipcoach


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_bot_api_is_one_line(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    result = hipcoach(
        "run",
        cwd=tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=url,
        DATA_DIR=str(tmp_path / "data"),
    )
    line = assert_one_line_without_token(result, "TELEGRAM_API_URL: cannot reach the Bot API")
    assert url in line


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
def test_a_rejected_token_is_one_line_without_the_token(
    api: FakeBotApi, tmp_path: Path, level: str
) -> None:
    api.fail_next("getMe", count=1, error_code=401, description="Unauthorized")
    result = hipcoach(
        "run",
        cwd=tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=api.root_url,
        DATA_DIR=str(tmp_path / "data"),
        LOG_LEVEL=level,
    )
    assert_one_line_without_token(
        result, "TELEGRAM_BOT_TOKEN: rejected by Telegram", debug=level == "DEBUG"
    )
    assert [call.method for call in api.calls] == ["getMe"]  # nothing after the refusal


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    port = closed_port()
    result = hipcoach(
        "run",
        cwd=tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=f"http://127.0.0.1:{closed_port()}",
        DATABASE_URL=f"postgresql+asyncpg://coach:pa55word@127.0.0.1:{port}/hipcoach",
    )
    line = assert_one_line_without_token(result, "DATABASE_URL: cannot connect")
    assert f"127.0.0.1:{port}" in line and "pa55word" not in line


def test_a_read_only_data_directory_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o555)
    try:
        result = hipcoach(
            "run",
            cwd=tmp_path,
            read_only_is_read_only=True,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=f"http://127.0.0.1:{closed_port()}",
            DATA_DIR=str(data),
        )
    finally:
        data.chmod(0o755)
    line = assert_one_line_without_token(result, "DATA_DIR: cannot write")
    assert str(data) in line


def test_a_data_directory_that_cannot_be_created_is_one_line(tmp_path: Path) -> None:
    parent = tmp_path / "readonly"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        result = hipcoach(
            "run",
            cwd=tmp_path,
            read_only_is_read_only=True,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=f"http://127.0.0.1:{closed_port()}",
            DATA_DIR=str(parent / "data"),
        )
    finally:
        parent.chmod(0o755)
    assert_one_line_without_token(result, "DATA_DIR: cannot write")


def test_a_webhook_port_in_use_is_one_line(api: FakeBotApi, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = hipcoach(
            "run",
            cwd=tmp_path,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=api.root_url,
            DATA_DIR=str(tmp_path / "data"),
            WEBHOOK_URL="https://bot.example.com",
            WEBHOOK_SECRET="s3cret",
            WEBHOOK_LISTEN="127.0.0.1",
            PORT=str(port),
        )
    line = assert_one_line_without_token(result, "PORT: cannot listen")
    assert str(port) in line and "s3cret" not in line


def test_a_read_only_database_file_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    migrated = hipcoach("migrate", cwd=tmp_path, DATA_DIR=str(data))
    assert migrated.returncode == 0, migrated.stderr
    database = data / "hipcoach.sqlite3"
    database.chmod(0o444)
    result = hipcoach(
        "run",
        cwd=tmp_path,
        read_only_is_read_only=True,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=f"http://127.0.0.1:{closed_port()}",
        DATA_DIR=str(data),
    )
    line = assert_one_line_without_token(result, "DATA_DIR: cannot write")
    assert str(database) in line
