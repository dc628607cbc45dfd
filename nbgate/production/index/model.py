"""The run index's data model and its one interface, shared by every backend.

A row is one run attempt. Times are stored as ISO 8601 UTC text with
milliseconds (``2024-05-01T02:00:00.123Z``) on every backend, so they sort
as text, read back identically and copy between backends unchanged. Each
row has a ``key`` (random, made by the writer): writes are addressed by it,
so a row written late from the spool or copied twice by ``runs migrate``
is never duplicated.
"""

from __future__ import annotations

import builtins
import enum
import math
import os
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple, Protocol

from nbgate.errors import GateError, NbgateError


class RunStatus(enum.StrEnum):
    """A run attempt's status: the text stored in the index's ``status`` column."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUSED = "refused"
    #: Shown (never stored) for a ``running`` row whose heartbeat stopped.
    LOST = "lost"


# The module-level names are the members themselves, kept for the modules that import them.
RUNNING = RunStatus.RUNNING
SUCCEEDED = RunStatus.SUCCEEDED
FAILED = RunStatus.FAILED
REFUSED = RunStatus.REFUSED
LOST = RunStatus.LOST
STATUSES = (RUNNING, SUCCEEDED, FAILED, REFUSED, LOST)

#: The schema this nbgate reads and writes (1: the SQLite file of nbgate <= 0.x, no key/heartbeat;
#: 2: keys, heartbeats; 3: the covering index ``runs_for_stats`` that ``runs stats --exact`` reads;
#: 4: the stats summary ``run_days``/``run_durations`` kept by triggers, see ``summary``;
#: 5: on PostgreSQL the running totals per schedule behind the fleet view, see ``totals``).
SCHEMA_VERSION = 5

COLUMNS = (
    "id",
    "key",
    "name",
    "rev",
    "date",
    "run_id",
    "attempt",
    "status",
    "started",
    "ended",
    "duration",
    "heartbeat",
    "output",
    "error",
    "source",
    "source_sha256",
    "parameters",
    "host",
    "pid",
)
#: Every column but ``id`` (the database numbers rows itself; a copy gets new ids).
DATA_COLUMNS = COLUMNS[1:]


class RunIndexError(NbgateError):
    """The run index cannot be opened, read or written."""


class IndexUnavailable(RunIndexError):
    """The index cannot be reached right now (server down, SQLite locked): spool and retry later."""


class OutputTaken(GateError):
    """Another run already claimed this output URI (refused, exit 4)."""


class RunRecord(NamedTuple):
    """One run attempt as the index holds it."""

    id: int
    key: str
    name: str
    rev: int | None
    date: str | None
    run_id: str
    attempt: int
    status: str
    started: str
    ended: str | None
    duration: float | None
    heartbeat: str | None
    output: str | None
    error: str | None
    source: str | None
    source_sha256: str | None
    parameters: dict[str, Any]
    host: str | None
    pid: int | None
    #: ``status`` as shown: ``lost`` for a ``running`` row whose heartbeat stopped.
    shown: str = ""

    def as_json(self) -> dict[str, Any]:
        """The record as a JSON-ready dict (``status`` as shown)."""
        data = self._asdict()
        data["status"] = data.pop("shown") or self.status
        return data


class Liveness(NamedTuple):
    """How readers decide that a ``running`` row is ``lost``."""

    #: Seconds between two heartbeats of a running run.
    interval: float = 30.0
    #: Missed intervals after which the run counts as lost.
    missed: int = 3

    def cutoff(self, at: datetime | None = None) -> str:
        """Heartbeats older than this stamp are lost."""
        moment = (at or datetime.now(timezone.utc)) - timedelta(
            seconds=self.interval * max(self.missed, 1)
        )
        return stamp(moment)


class Query(NamedTuple):
    """Filters of ``list``: all optional; ``since``/``until`` are stamps (``until`` exclusive)."""

    name: str | None = None
    status: str | None = None
    since: str | None = None
    until: str | None = None
    run_id: str | None = None
    limit: int | None = None


class Stats(NamedTuple):
    """One schedule's runs over a window (durations of finished runs, seconds)."""

    name: str
    runs: int
    succeeded: int
    failed: int
    refused: int
    running: int
    p50: float | None
    p95: float | None

    @property
    def success_rate(self) -> float | None:
        """Succeeded / (succeeded + failed), or None when nothing finished."""
        done = self.succeeded + self.failed
        return None if done == 0 else self.succeeded / done

    def as_json(self) -> dict[str, Any]:
        """JSON-ready, with ``success_rate``."""
        data = self._asdict()
        data["success_rate"] = None if self.success_rate is None else round(self.success_rate, 4)
        return data


class RunIndex(Protocol):
    """What every backend offers (SQLite file, PostgreSQL server) and the web view reads."""

    #: The database URL with its password masked (for messages).
    where: str

    def start(
        self,
        *,
        key: str,
        name: str,
        rev: int,
        date: str,
        run_id: str,
        attempt: int,
        output: str,
        source: str,
        source_sha256: str,
        parameters: dict[str, Any],
        started: str | None = None,
        host: str | None = None,
        pid: int | None = None,
    ) -> int:
        """Record a run as ``running`` and claim its output; ``OutputTaken`` if another run has it."""
        ...

    def refused(
        self,
        *,
        key: str,
        name: str,
        rev: int | None,
        date: str | None,
        run_id: str,
        error: str,
        started: str | None = None,
        host: str | None = None,
        pid: int | None = None,
    ) -> int:
        """Record a run refused before it started (no output)."""
        ...

    def finish(
        self,
        key: str,
        *,
        status: str,
        duration: float,
        error: str | None = None,
        ended: str | None = None,
        release_output: bool = False,
    ) -> None:
        """Record the end of a run; ``release_output`` frees an output that was never written."""
        ...

    def heartbeat(self, key: str, at: str | None = None) -> None:
        """Mark a running run as alive."""
        ...

    def list(
        self,
        query: Query | None = None,
        *,
        name: str | None = None,
        status: str | None = None,
        since: str | None = None,
        until: str | None = None,
        run_id: str | None = None,
        limit: int | None = None,
        liveness: Liveness | None = None,
    ) -> list[RunRecord]:
        """Runs, newest first, filtered by ``query`` (or the same filters as keywords)."""
        ...

    def get(self, row_id: int, *, liveness: Liveness | None = None) -> RunRecord | None:
        """One run by its row id."""
        ...

    def stats(
        self,
        *,
        name: str | None = None,
        since: str | None = None,
        exact: bool | None = None,
        names: Sequence[str] | None = None,
    ) -> builtins.list[Stats]:
        """Per-schedule counts and p50/p95 durations of runs started since ``since``, sorted by name.

        From the summary (p50/p95 within ``summary.BOUND``) unless ``exact`` or ``NBGATE_NO_FAST_PATHS=1``.
        ``name`` or ``names``: only these schedules.
        """
        ...

    def ranked(
        self, *, since: str | None = None, limit: int | None = None, exact: bool | None = None
    ) -> tuple[builtins.list[Stats], bool]:
        """The first ``limit`` (None: all) schedules, lowest success rate first (``fleet``); whether there are more."""
        ...

    def rebuild_summary(self) -> None:
        """Recount the stats summary from the rows (what the migration to schema 4 does)."""
        ...

    def latest(self, *, liveness: Liveness | None = None) -> builtins.list[RunRecord]:
        """The newest run (by start time, as ``list`` orders) of every schedule, sorted by name."""
        ...

    def version(self) -> int:
        """The schema version stored (0: no index yet)."""
        ...

    def migrate(self) -> tuple[int, int]:
        """Bring the schema to ``SCHEMA_VERSION`` in place; (version before, after)."""
        ...

    def rows(self, batch: int = 5000) -> Any:
        """Every row (all columns but ``id``) as dicts, in id order, in batches (for copies)."""
        ...

    def insert_rows(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert whole rows, skipping keys already present; how many were new."""
        ...

    def close(self) -> None:
        """Close the connection (the next call opens a new one)."""
        ...


def stamp(moment: datetime) -> str:
    """``moment`` as the index stores it (ISO 8601 UTC, milliseconds, ``Z``)."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now() -> str:
    """The current UTC time as the index stores it."""
    return stamp(datetime.now(timezone.utc))


def new_key() -> str:
    """A fresh row key (128 random bits)."""
    return os.urandom(16).hex()


def host_name() -> str:
    """This host's name (``socket.gethostname()``, without importing ``socket``: a few ms of start-up)."""
    return os.uname().nodename


def here() -> tuple[str, int]:
    """This host's name and this process id, as rows record them."""
    return host_name(), os.getpid()


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def shown_status(record: RunRecord, cutoff: str) -> str:
    """``lost`` for a ``running`` row with a heartbeat older than ``cutoff`` (or a dead process on this host)."""
    if record.status != RUNNING:
        return record.status
    beat = record.heartbeat or record.started
    if beat < cutoff:
        return LOST
    if record.host == host_name() and record.pid is not None and not alive(record.pid):
        return LOST
    return RUNNING


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Linear-interpolated percentile of sorted ``values`` (PostgreSQL's ``percentile_cont``)."""
    if not values:
        return None
    position = fraction * (len(values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)
