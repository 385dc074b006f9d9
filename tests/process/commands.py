"""Running `hipcoach` as an operator does: a child process with a clean environment."""

from __future__ import annotations

import ctypes
import os
import subprocess
from pathlib import Path

from tests.e2e.harness import TOKEN, hipcoach_command

PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


def hipcoach(
    *args: str, cwd: Path, read_only_is_read_only: bool = False, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run `hipcoach ARGS` with only the given Hip Coach variables set."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    for name in ("DATABASE_URL", "DATA_DIR", "LOG_LEVEL", "PORT"):
        clean.pop(name, None)
    clean.update(env)
    return subprocess.run(  # noqa: S603 - our own console script
        [*hipcoach_command(), *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=drop_permission_override if read_only_is_read_only else None,
    )


def drop_permission_override() -> None:
    """In the child: let file permissions bind even when the tests run as root.

    Root ignores a directory's missing write bit (CAP_DAC_OVERRIDE), so a
    "read-only data directory" would not be read-only in a container running as
    root. Dropping the capability from the bounding set before exec makes the
    child obey the mode bits like any other user. Without the privilege to drop
    it (not root), the mode bits bind anyway, and the call fails harmlessly.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)


def assert_one_line_without_token(
    result: subprocess.CompletedProcess[str], hint: str, *, debug: bool = False
) -> str:
    """Exit code 2, one line on stderr naming what to fix, and never the token.

    At DEBUG, the log lines before it are allowed; the last line is still the hint.
    """
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert TOKEN not in output and TOKEN.split(":", 1)[1] not in output
    assert "Traceback" not in output, output
    if not debug:
        assert result.stderr.count("\n") == 1, result.stderr
    line = result.stderr.splitlines()[-1]
    assert line.startswith("hipcoach: ") and hint in line, result.stderr
    return line
