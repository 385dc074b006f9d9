"""Logging that can never print the bot token, nor what people typed into a database row.

httpx logs every request URL at INFO, and Bot API URLs contain the token, so
its loggers are turned down and every record passes a redacting filter too:
the message, the traceback and the stack, whichever library wrote them. The
token is also removed when only its secret half appears (percent-encoded URLs
split it at the colon).

Database errors quote the failing values: SQLAlchemy appends `[parameters: ...]`
(off on our engines, see `coaching.db`), and PostgreSQL's own messages name the
offending value (`Key (x)=(...)`, `invalid input for query argument $1: '...'`).
Those parts are cut from every record, so a failed insert of an athlete's name
logs the statement, not the name.

Uncaught exceptions and warnings are routed through the same handler, so no
traceback reaches standard error without passing the filter.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import TextIO

QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler", "aiosqlite", "alembic", "aiohttp.access")
REDACTED = "<redacted>"
_REST_OF_LINE = r"(?:(?!\\n)[^\n])*"  # up to a newline, or to a "\n" inside a repr()
SQL_VALUE_PATTERNS = (
    # SQLAlchemy: "[parameters: ('Ann', 3)]".
    (re.compile(r"\[parameters: " + _REST_OF_LINE), "[parameters: <hidden>]"),
    # PostgreSQL: "DETAIL:  Key (first_name)=(Ann) already exists." and similar details.
    (re.compile(r"DETAIL:" + _REST_OF_LINE), "DETAIL: <hidden>"),
    # asyncpg: "invalid input for query argument $2: 'Ann' (an integer is required)".
    (re.compile(r"(query argument \$\d+): " + _REST_OF_LINE), r"\1: <hidden>"),
)


def secret_variants(secrets: Iterable[str | None]) -> list[str]:
    """Each secret, plus the part after the colon of a bot token; longest first."""
    found: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        found.add(secret)
        _, colon, tail = secret.partition(":")
        if colon and len(tail) >= 8:
            found.add(tail)
    return sorted(found, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` without any of `secrets` and without quoted database values."""
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    for pattern, replacement in SQL_VALUE_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactFilter(logging.Filter):
    """Rewrite a record so that neither its message nor its traceback holds a secret."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        self.secrets = secret_variants(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: the handler reports it
            message = str(record.msg)
            record.args = None
        redacted = redact(message, self.secrets)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def _log_uncaught(
    kind: type[BaseException], value: BaseException, traceback: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, traceback)
        return
    logging.getLogger("hipcoach").critical("stopped by an error", exc_info=(kind, value, traceback))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None:
        return
    logging.getLogger("hipcoach").error(
        "thread %s failed",
        args.thread.name if args.thread else "?",
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )


def setup_logging(
    level: str, secrets: Iterable[str | None], stream: TextIO | None = None
) -> logging.Handler:
    """One handler on the root logger, to standard error, behind the redacting filter."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    # A long dispatch makes APScheduler warn that the next run was skipped: that is the design.
    logging.getLogger("apscheduler.scheduler").setLevel(max(logging.ERROR, root.level))
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread
    return handler
