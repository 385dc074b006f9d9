"""Logging that can never print the bot token.

httpx logs every request URL at INFO, and Bot API URLs contain the token, so
its loggers are turned down and every record passes a redacting filter too.
"""

from __future__ import annotations

import logging

QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler", "aiosqlite", "alembic.runtime.migration")


class RedactFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in self.secrets:
            redacted = redacted.replace(secret, "<redacted>")
        if record.exc_info and record.exc_info[1] is not None:
            exc_text = logging.Formatter().formatException(record.exc_info)
            for secret in self.secrets:
                exc_text = exc_text.replace(secret, "<redacted>")
            record.exc_text = exc_text
            record.exc_info = None
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def setup_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    # A long dispatch makes APScheduler warn that the next run was skipped: that is the design.
    logging.getLogger("apscheduler.scheduler").setLevel(max(logging.ERROR, root.level))
