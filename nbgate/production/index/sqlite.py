"""The SQLite run index: one file, ``sqlite:///.nbgate/runs.db`` by default.

Many ``nbgate run`` processes may write at once (a scheduler starting
several jobs), so the database is in WAL mode with ``synchronous = NORMAL``
(a commit is an append to the WAL, no fsync: a committed row survives the
crash of any process, only a power cut can lose the last commits), every
write is one short statement, and no transaction is held open while a
notebook executes (the index object keeps one idle connection, which in WAL
mode holds no lock). A writer that finds the write lock taken retries after
a short random pause (``_busy``) rather than SQLite's own busy handler,
which backs off to 100 ms sleeps and leaves the file idle under 16 writers.
A lock held longer than ``run.index_timeout`` raises ``IndexUnavailable``:
the run goes on and its rows wait in the spool. The ``output`` column is
unique: two runs can never claim the same output notebook.
"""

from __future__ import annotations

import math
import os
import random
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nbgate.production.index import summary
from nbgate.production.index.model import SCHEMA_VERSION, IndexUnavailable, RunIndexError
from nbgate.production.index.sql import SqlIndex

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
CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status, id)
"""
#: Version 1 -> 2: row keys, heartbeats, the schema table, indexes by start time.
_UPGRADE_2 = """
ALTER TABLE runs ADD COLUMN key TEXT;
ALTER TABLE runs ADD COLUMN heartbeat TEXT;
UPDATE runs SET key = lower(hex(randomblob(16))) WHERE key IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS runs_by_key ON runs (key);
CREATE INDEX IF NOT EXISTS runs_by_started ON runs (started);
CREATE INDEX IF NOT EXISTS runs_by_name_started ON runs (name, started);
CREATE INDEX IF NOT EXISTS runs_by_status_started ON runs (status, started);
CREATE TABLE IF NOT EXISTS nbgate_schema (version INTEGER NOT NULL);
DELETE FROM nbgate_schema;
INSERT INTO nbgate_schema (version) VALUES (2)
"""
#: Version 2 -> 3: a covering index for ``runs stats`` (counts read from it, without the table).
_UPGRADE_3 = """
CREATE INDEX IF NOT EXISTS runs_for_stats ON runs (name, started, status, duration);
UPDATE nbgate_schema SET version = 3
"""
#: Version 3 -> 4: the stats summary and its triggers, counted from the rows already there (``summary``).
_UPGRADE_4 = (
    *summary.tables(" WITHOUT ROWID"),
    *summary.sqlite_triggers(),
    *summary.REBUILD,
    "UPDATE nbgate_schema SET version = 4",
)
#: Version 4 -> 5: nothing on SQLite (the running totals are PostgreSQL's, see ``totals``).
_UPGRADE_5 = ("UPDATE nbgate_schema SET version = 5",)
#: SQLite's own busy wait per attempt (ms); ``_busy`` retries after it.
_SQLITE_WAIT_MS = 5


class SqliteIndex(SqlIndex):
    """The run index in the SQLite file ``path``."""

    _WRITE_ALL = ("BEGIN IMMEDIATE",)

    def __init__(self, path: Path, *, timeout: float = 10.0, where: str | None = None) -> None:
        self.path = path
        self.timeout = timeout
        self.where = where or f"sqlite:///{path}"
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        self._lock = threading.Lock()  # the heartbeat thread shares the connection

    def _exists(self) -> bool:
        return self.path.exists()

    def _unique_violation(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.IntegrityError)

    def _fail(self, exc: BaseException) -> RunIndexError:
        text = str(exc)
        kind = (
            IndexUnavailable
            if "locked" in text or "busy" in text or "unable to open" in text
            else RunIndexError
        )
        return kind(f"{self.path}: run index error: {text}")

    @contextmanager
    def _connection(self, *, create: bool) -> Iterator[Any]:
        with self._lock:
            connection = self._connect(create=create)
            try:
                yield connection
            except sqlite3.IntegrityError:
                raise
            except sqlite3.Error as exc:
                raise self._fail(exc) from None

    def _connect(self, *, create: bool) -> sqlite3.Connection:
        """The index object's connection (one per process), schema checked on first use."""
        if self._conn is not None and self._pid == os.getpid():
            return self._conn
        self._conn = None  # a connection must not cross a fork: the child opens its own
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise IndexUnavailable(f"{self.path}: cannot open the run index: {exc}") from None
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            _math(connection)
            stored = connection.execute("PRAGMA user_version").fetchone()[0]
            if stored != SCHEMA_VERSION:
                self._upgrade(connection, stored)
            # WAL + NORMAL: commits are not fsynced, yet survive a crash of any process (not a power cut)
            connection.execute("PRAGMA synchronous = NORMAL")
            # writers wait in ``_busy`` (short random pauses), not in SQLite's backing-off handler
            connection.execute(f"PRAGMA busy_timeout = {_SQLITE_WAIT_MS}")
        except BaseException as exc:
            connection.close()
            if isinstance(exc, sqlite3.Error) and not isinstance(exc, sqlite3.IntegrityError):
                raise self._fail(exc) from None
            raise
        self._conn, self._pid = connection, os.getpid()
        return connection

    def _run(self, statement: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self._busy(lambda: super(SqliteIndex, self)._run(statement, args)))

    def _read(self, statement: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
        return list(self._busy(lambda: super(SqliteIndex, self)._read(statement, args)))

    def _busy(self, call: Any) -> Any:
        """``call()``, retried after short random pauses while another writer holds the lock."""
        deadline = time.monotonic() + self.timeout
        pause = 0.0005
        while True:
            try:
                return call()
            except IndexUnavailable as exc:
                if (
                    "locked" not in str(exc) and "busy" not in str(exc)
                ) or time.monotonic() > deadline:
                    raise
            time.sleep(random.uniform(0, pause))
            pause = min(pause * 2, 0.02)

    def insert_rows(self, rows: Sequence[dict[str, Any]]) -> int:
        """As ``SqlIndex.insert_rows``, waiting in ``_busy`` for other writers."""
        return int(self._busy(lambda: super(SqliteIndex, self).insert_rows(rows)))

    def rebuild_summary(self) -> None:
        """As ``SqlIndex.rebuild_summary``, waiting in ``_busy`` for other writers."""
        self._busy(lambda: super(SqliteIndex, self).rebuild_summary())

    def close(self) -> None:
        """Close the connection (the next call opens a new one)."""
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    def version(self) -> int:
        """The schema version in the file (0: no index yet)."""
        if not self.path.exists():
            return 0
        try:
            connection = sqlite3.connect(self.path, timeout=self.timeout)
            try:
                return int(connection.execute("PRAGMA user_version").fetchone()[0])
            finally:
                connection.close()
        except sqlite3.Error as exc:
            raise self._fail(exc) from None

    def migrate(self) -> tuple[int, int]:
        """Create or upgrade the schema in place; (version before, after)."""
        before = self.version()
        with self._connection(create=True):
            pass
        return before, self.version()

    @staticmethod
    def _upgrade(connection: sqlite3.Connection, seen: int) -> None:
        if seen > SCHEMA_VERSION:
            raise RunIndexError(
                f"run index schema {seen} is newer than this nbgate (schema {SCHEMA_VERSION}): "
                f"upgrade nbgate; the index was not read or changed"
            )
        # WAL lets readers (``nbgate runs``) and many writers proceed together;
        # the setting is persistent, so only the first process pays for it.
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("BEGIN IMMEDIATE")
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[
                0
            ]  # another process may have won
            if version > SCHEMA_VERSION:
                raise RunIndexError(
                    f"run index schema {version} is newer than this nbgate "
                    f"(schema {SCHEMA_VERSION}): upgrade nbgate"
                )
            if version < 1:
                _script(connection, _SCHEMA)
            if version < 2:
                _script(connection, _UPGRADE_2)
            if version < 3:
                _script(connection, _UPGRADE_3)
            if version < 4:
                for statement in _UPGRADE_4:
                    connection.execute(statement)
            if version < 5:
                for statement in _UPGRADE_5:
                    connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise


def _script(connection: sqlite3.Connection, text: str) -> None:
    for statement in text.split(";"):
        if statement.strip():
            connection.execute(statement)


def _math(connection: sqlite3.Connection) -> None:
    """``ln`` and ``floor`` for the summary's triggers, where SQLite was built without its math functions."""
    try:
        connection.execute("SELECT ln(2.0), floor(2.5)")
    except sqlite3.OperationalError:
        connection.create_function("ln", 1, math.log, deterministic=True)
        connection.create_function("floor", 1, math.floor, deterministic=True)
