"""Errors nbgate raises, and the exit codes the CLI maps them to.

Exit codes (documented in the README) are the members of ``ExitCode``:

* 0 ``OK``: everything passed.
* 1 ``FAILED``: a check failed or found something; bad input files.
* 2 ``USAGE``: wrong arguments or configuration.
* 3 ``UNEXPECTED``: a bug; the traceback is printed.
* 4 ``REFUSED``: the gate refused (promotion, run, drift).
* 130 ``INTERRUPTED``: Ctrl-C.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """What a command's exit status means (an ``int``, so it is returned and compared as one)."""

    OK = 0
    FAILED = 1
    USAGE = 2
    UNEXPECTED = 3
    REFUSED = 4
    INTERRUPTED = 130


# The module-level names are the members themselves (``errors.FAILED is ExitCode.FAILED``), kept for
# the modules that import them.
OK = ExitCode.OK
FAILED = ExitCode.FAILED
USAGE = ExitCode.USAGE
UNEXPECTED = ExitCode.UNEXPECTED
REFUSED = ExitCode.REFUSED
INTERRUPTED = ExitCode.INTERRUPTED


class NbgateError(Exception):
    """Base of every error nbgate reports as a one-line message."""

    exit_code: ExitCode = ExitCode.FAILED


class UsageError(NbgateError):
    """The command line was wrong."""

    exit_code = ExitCode.USAGE


class ConfigError(NbgateError):
    """``[tool.nbgate]`` (or an ``NBGATE_*`` variable, or ``--set``) is wrong."""

    exit_code = ExitCode.USAGE


class NotebookError(NbgateError):
    """A file is not a notebook nbgate can read. The file is never modified."""

    exit_code = ExitCode.FAILED

    def __init__(self, path: object, what: str, where: str | None = None) -> None:
        self.path = str(path)
        self.what = what
        self.where = where
        location = f"{self.path}:{where}" if where else self.path
        super().__init__(f"{location}: {what}")


class GateError(NbgateError):
    """The gate refused: promotion or run preconditions are not met."""

    exit_code = ExitCode.REFUSED


class RegistryError(NbgateError):
    """The schedule registry is malformed or inconsistent."""

    exit_code = ExitCode.FAILED


class ExecutionError(NbgateError):
    """A notebook could not be executed."""

    exit_code = ExitCode.FAILED
