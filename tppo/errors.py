"""The project's error types and the exit codes of its commands, declared once.

Each error's message says what happened and what to do; the commands turn them into
one line on stderr and the exit code below. Modules raise these; nothing else in the
project defines an error type that a caller is expected to catch.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What ``tppo`` returns (scripts and schedulers rely on these)."""

    OK = 0
    FAILED = 1  # the run ran and a task failed (the summary says which and why)
    REFUSED = 2  # refused before starting: a missing or unsafe secret, a bad argument
    LOCKED = 3  # another run holds this TPPO_HOME
    DAMAGED = 4  # the restricted warehouse is damaged: `tppo rebuild` (README)


class DataProblem(Exception):
    """The run must stop because of what was delivered; the message says what to do."""


class FileRejected(Exception):
    """A delivered file as a whole cannot be loaded; the message says why and what to do."""


class KeyProblem(RuntimeError):
    """A secret is missing or unsafe; the message says what to do."""


class MissingKeyError(KeyProblem):
    """Raised when a production run has no pseudonym key."""


class RunLocked(RuntimeError):
    """Another run holds this TPPO_HOME."""


class WarehouseDamaged(RuntimeError):
    """The restricted warehouse cannot be trusted; the message says what to do."""


class RebuildRefused(RuntimeError):
    """The rebuild would lose something the landing cannot give back."""
