"""Why a run file could not be analysed, as a code the bot turns into a message."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """What was wrong with the file; the bot shows `cadence_error_<value>`."""

    UNSUPPORTED = "unsupported"
    """Not a .fit, .gpx or .tcx file name."""
    EMPTY = "empty"
    """No bytes, or no track points with a time."""
    TOO_LARGE = "too_large"
    CORRUPT = "corrupt"
    """The bytes do not parse as the format the name promises."""
    NOT_RUNNING = "not_running"
    """A ride, a swim, a walk: the label says so, or speed and cadence give it away.

    `RunFileError.sport` names it (a `Sport` value) when we can."""
    NO_CADENCE = "no_cadence"
    TOO_SHORT = "too_short"
    """Less than a minute of running once pauses are taken out."""
    ODD_CADENCE = "odd_cadence"
    """Cadence values that are neither running steps nor strides per minute."""
    TOO_COMPLEX = "too_complex"
    """Over the reading limits: nesting, element count, CPU time, memory, or it crashed a parser."""


class RunFileError(Exception):
    """A run file we cannot (or must not) analyse; `reason` says which kind of problem.

    `sport` is the sport we think the file was instead of a run (`Sport` values,
    e.g. "swimming"), for NOT_RUNNING; None when we cannot name it.
    """

    def __init__(self, reason: Reason, detail: str = "", sport: str | None = None) -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail
        self.sport = sport

    def __reduce__(self) -> tuple[type[RunFileError], tuple[Reason, str, str | None]]:
        """Pickled as (reason, detail, sport), so it comes back whole from a worker process."""
        return (RunFileError, (self.reason, self.detail, self.sport))
