"""The run index: one SQLite row per run attempt, in ``<state_dir>/runs.db``.

Many ``nbgate run`` processes may write at once (a scheduler starting
several jobs), so the database is in WAL mode with a busy timeout, every
write is one short ``BEGIN IMMEDIATE`` transaction on a fresh connection, and
no connection is held open while a notebook executes. The ``output`` column
is unique: two runs can never claim the same output notebook, which also
closes the check-then-write race for remote outputs between processes that
share an index.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple

from nbgate.errors import GateError, NbgateError

RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
REFUSED = "refused"
#: Shown (never stored) for a ``running`` row whose process is gone on this host.
LOST = "lost"
STATUSES = (RUNNING, SUCCEEDED, FAILED, REFUSED, LOST)

_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    rev INTEGER,
    date TEXT,
    run_id TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL,
    started TEXT NOT NULL,
    ended TEXT,
    duration REAL,
    output TEXT UNIQUE,
    error TEXT,
    source TEXT,
    source_sha256 TEXT,
    parameters TEXT,
    host TEXT,
    pid INTEGER
);
CREATE INDEX IF NOT EXISTS runs_by_name ON runs (name, id);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status, id);
"""
_COLUMNS = ("id", "name", "rev", "date", "run_id", "attempt", "status", "started", "ended", "duration",
            "output", "error", "source", "source_sha256", "parameters", "host", "pid")
BUSY_TIMEOUT_SECONDS = 60.0


class RunIndexError(NbgateError):
    """The run index cannot be opened or written."""


class OutputTaken(GateError):
    """Another run already claimed this output URI (refused, exit 4)."""


class RunRecord(NamedTuple):
    """One run attempt as the index holds it."""

    id: int
    name: str
    rev: int | None
    date: str | None
    run_id: str
    attempt: int
    status: str
    started: str
    ended: str | None
    duration: float | None
    output: str | None
    error: str | None
    source: str | None
    source_sha256: str | None
    parameters: dict[str, Any]
    host: str | None
    pid: int | None

    def as_json(self) -> dict[str, Any]:
        """The record as a JSON-ready dict (status as shown, see ``shown_status``)."""
        data = self._asdict()
        data["status"] = shown_status(self)
        return data


def now() -> str:
    """The current UTC time as the index stores it (ISO 8601, milliseconds)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def shown_status(record: RunRecord) -> str:
    """``lost`` for a ``running`` row whose process died on this host; else the stored status."""
    mine = record.host == socket.gethostname() and record.pid is not None
    if record.status == RUNNING and mine and not _alive(record.pid or 0):
        return LOST
    return record.status


class RunIndex:
    """The SQLite run index at ``path`` (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise RunIndexError(f"{self.path}: cannot open the run index: {exc}") from None
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            if connection.execute("PRAGMA user_version").fetchone()[0] != _SCHEMA_VERSION:
                self._create(connection)
            yield connection
        except sqlite3.IntegrityError:
            raise
        except sqlite3.Error as exc:
            raise RunIndexError(f"{self.path}: run index error: {exc}") from None
        finally:
            connection.close()

    @staticmethod
    def _create(connection: sqlite3.Connection) -> None:
        # WAL lets readers (``nbgate runs``) and many writers proceed together;
        # the setting is persistent, so only the first process pays for it.
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("BEGIN IMMEDIATE")
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version > _SCHEMA_VERSION:
                raise RunIndexError(f"run index schema {version} is newer than this nbgate ({_SCHEMA_VERSION})")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def _insert(self, values: dict[str, Any]) -> int:
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self._connect() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                cursor = connection.execute(f"INSERT INTO runs ({names}) VALUES ({marks})", tuple(values.values()))
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            return int(cursor.lastrowid or 0)

    def start(self, *, name: str, rev: int, date: str, run_id: str, attempt: int, output: str,
              source: str, source_sha256: str, parameters: dict[str, Any]) -> int:
        """Record a run as ``running`` and claim its output; return the row id.

        Raises ``OutputTaken`` when another run (in this index) has the output.
        """
        values = {
            "name": name, "rev": rev, "date": date, "run_id": run_id, "attempt": attempt, "status": RUNNING,
            "started": now(), "output": output, "source": source, "source_sha256": source_sha256,
            "parameters": json.dumps(parameters, sort_keys=True, default=str),
            "host": socket.gethostname(), "pid": os.getpid(),
        }
        try:
            return self._insert(values)
        except sqlite3.IntegrityError:
            raise OutputTaken(f"{output}: already written by an earlier run; outputs are never "
                              f"overwritten (use another --run-id)") from None

    def refused(self, *, name: str, rev: int | None, date: str | None, run_id: str, error: str) -> int:
        """Record a run that was refused before it started (no output)."""
        stamp = now()
        values = {"name": name, "rev": rev, "date": date, "run_id": run_id, "attempt": 1, "status": REFUSED,
                  "started": stamp, "ended": stamp, "duration": 0.0, "error": error,
                  "host": socket.gethostname(), "pid": os.getpid()}
        return self._insert(values)

    def finish(self, row_id: int, *, status: str, duration: float, error: str | None = None) -> None:
        """Record the end of a run: its status, duration and error summary."""
        with self._connect() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.execute(
                    "UPDATE runs SET status = ?, ended = ?, duration = ?, error = ? WHERE id = ?",
                    (status, now(), round(duration, 3), error, row_id),
                )
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise

    def list(self, *, name: str | None = None, status: str | None = None, limit: int | None = None) -> list[RunRecord]:
        """Runs, newest first, optionally of one schedule and/or with one shown status."""
        if not self.path.exists():
            return []
        where, args = [], []
        if name is not None:
            where.append("name = ?")
            args.append(name)
        # ``lost`` is derived from ``running``; filter it after reading.
        if status is not None and status != LOST:
            where.append("status = ?")
            args.append(status)
        sql = f"SELECT {', '.join(_COLUMNS)} FROM runs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC"
        if limit is not None and status not in (LOST, RUNNING):
            sql += f" LIMIT {int(limit)}"
        with self._connect() as connection:
            rows = connection.execute(sql, args).fetchall()
        records = [_record(row) for row in rows]
        if status is not None:
            records = [r for r in records if shown_status(r) == status]
        return records[:limit] if limit is not None else records


def _record(row: tuple[Any, ...]) -> RunRecord:
    data = dict(zip(_COLUMNS, row))
    data["parameters"] = json.loads(data["parameters"]) if data["parameters"] else {}
    return RunRecord(**data)
