"""Nothing secret or personal passes the log handler, whoever wrote the record."""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Iterator

import pytest

from bot.logging_setup import setup_logging

TOKEN = "123456:" + "Zq9" * 12
SECRET = "hook-Secret_42"


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Our logging set up for the test, writing to a buffer; pytest's own restored after."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, sys.excepthook, threading.excepthook)
    stream = io.StringIO()
    setup_logging("INFO", [TOKEN, SECRET, None], stream=stream)
    yield stream
    root.handlers[:], level, sys.excepthook, threading.excepthook = saved
    root.setLevel(level)
    logging.captureWarnings(False)


def test_the_token_is_redacted_from_messages_tracebacks_and_stacks(
    log_output: io.StringIO,
) -> None:
    log = logging.getLogger("telegram.ext.Updater")
    log.warning("GET https://api.telegram.org/bot%s/getMe", TOKEN)
    log.warning("encoded: /bot123456%%3A%s/getMe", TOKEN.split(":")[1])
    log.info("secret header %s", SECRET)
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
    except RuntimeError:
        log.exception("failed")
    log.warning("stack %s", "here", stack_info=True)

    output = log_output.getvalue()
    assert TOKEN.split(":")[1] not in output and SECRET not in output
    assert output.count("<redacted>") >= 4
    assert "RuntimeError: The token `<redacted>` was rejected" in output
    assert "Stack (most recent call last)" in output


def test_quoted_database_values_are_cut(log_output: io.StringIO) -> None:
    log = logging.getLogger("bot.handlers.general")
    log.error(
        "update failed: (sqlite3.IntegrityError) UNIQUE constraint failed: athlete.id\n"
        "[SQL: INSERT INTO athlete (id, first_name) VALUES (?, ?)]\n"
        "[parameters: (1, 'Pirjo Personal')]"
    )
    log.error("duplicate key value\nDETAIL:  Key (first_name)=(Pirjo Personal) already exists.")
    log.error("invalid input for query argument $2: 'Pirjo Personal' (expected int)")
    error = RuntimeError(
        "duplicate key\nDETAIL:  Key (first_name)=(Pirjo Personal) already exists.\n"
        "[SQL: UPDATE athlete SET first_name=$1]"
    )
    log.error("update failed: %r", error)  # repr() keeps it on one line, "\n" escaped
    output = log_output.getvalue()
    assert "Pirjo" not in output
    assert "INSERT INTO athlete" in output and "query argument $2: <hidden>" in output
    assert "[SQL: UPDATE athlete SET first_name=$1]" in output


def test_uncaught_exceptions_go_through_the_filter(log_output: io.StringIO) -> None:
    try:
        raise ValueError(f"token {TOKEN}")
    except ValueError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)

    def fail() -> None:
        raise OSError(f"thread saw {TOKEN}")

    thread = threading.Thread(target=fail, name="worker")
    thread.start()
    thread.join()
    output = log_output.getvalue()
    assert "CRITICAL hipcoach: stopped by an error" in output
    assert "ERROR hipcoach: thread worker failed" in output
    assert "ValueError: token <redacted>" in output and "OSError: thread saw <redacted>" in output
    assert TOKEN.split(":")[1] not in output


def test_warnings_go_through_the_filter(log_output: io.StringIO) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn(f"about {TOKEN}", UserWarning, stacklevel=1)
    output = log_output.getvalue()
    assert "UserWarning: about <redacted>" in output and TOKEN not in output
