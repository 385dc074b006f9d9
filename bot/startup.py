"""Why `hipcoach run` cannot start, said in one line that names the setting to fix.

A traceback is the wrong answer to "the database is down" or "the token was
revoked": the operator needs the variable and what to do about it, and the
traceback of a rejected token even holds the token. Each check here turns one
kind of failure into a `StartupError`; the command line prints its message and
exits with status 2, like for a malformed setting.

The checks run in the order start-up needs things: a writable data directory,
a database that answers, then (in `bot.runner`) the Bot API and the webhook port.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.settings import Settings, SettingsError
from coaching.db import create_engine


class StartupError(SettingsError):
    """A setting is well-formed, but what it points at cannot be used."""


def _reason(exc: BaseException) -> str:
    """The first line of what went wrong, without the exception's class path."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    else:
        text = str(exc) or type(exc).__name__
    return text.strip().splitlines()[0][:200] if text.strip() else type(exc).__name__


def _database_setting(settings: Settings) -> str:
    return "DATA_DIR" if settings.database_url is None else "DATABASE_URL"


def sqlite_directory(url: str) -> Path | None:
    """The directory an SQLite database lives in (None for other databases)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).parent


def check_data_dir(settings: Settings) -> None:
    """SQLite writes the database file and creates files beside it (WAL, shared memory).

    A read-only database file would open and even pass the schema check, then
    fail every handler's first write: so it is opened for writing here.
    """
    url = settings.effective_database_url
    directory = sqlite_directory(url)
    if directory is None:
        return
    setting = _database_setting(settings)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        raise StartupError(
            f"{setting}: cannot write to {directory} ({_reason(exc)}); give the bot's user "
            f"write access to it, or point {setting} at a writable directory"
        ) from None
    database = Path(str(make_url(url).database))
    try:
        if database.exists():
            with database.open("r+b"):
                pass
    except OSError as exc:
        raise StartupError(
            f"{setting}: cannot write the database {database} ({_reason(exc)}); give the "
            "bot's user write access to it"
        ) from None


async def _connect(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql("SELECT 1")
    finally:
        await engine.dispose()


def check_database(settings: Settings) -> None:
    """Open one connection: whatever fails here is reachability or access, not our schema."""
    url = settings.effective_database_url
    try:
        asyncio.run(_connect(url))
    except Exception as exc:  # any failure to connect is reported the same way
        where = make_url(url).render_as_string(hide_password=True)
        if sqlite_directory(url) is not None:
            setting = _database_setting(settings)
            raise StartupError(
                f"{setting}: cannot write the database {make_url(url).database} "
                f"({_reason(exc)}); give the bot's user write access to it and its directory"
            ) from None
        raise StartupError(
            f"DATABASE_URL: cannot connect to {where} ({_reason(exc)}); check that the "
            "database server runs there and accepts this user and password"
        ) from None


def bot_api_failure(settings: Settings, exc: TelegramError) -> StartupError:
    """What a failed first call to the Bot API means for the operator."""
    if isinstance(exc, InvalidToken):
        return StartupError(
            "TELEGRAM_BOT_TOKEN: rejected by Telegram (Unauthorized); copy the current token "
            "from @BotFather (/mybots, API Token): it may have been revoked"
        )
    if isinstance(exc, NetworkError):
        return StartupError(
            f"TELEGRAM_API_URL: cannot reach the Bot API at {settings.api_url} "
            f"({_reason(exc)}); check the network, proxy and firewall, or TELEGRAM_API_URL"
        )
    return StartupError(
        f"TELEGRAM_API_URL: the Bot API at {settings.api_url} refused a start-up call "
        f"({_reason(exc)}); check that TELEGRAM_API_URL points at a Bot API server"
    )


def listen_failure(settings: Settings, exc: OSError) -> StartupError:
    return StartupError(
        f"PORT: cannot listen on {settings.webhook_listen}:{settings.port} ({_reason(exc)}); "
        "another process may be using it: choose another PORT or stop that process"
    )
