"""The SQLite run index: one file, ``sqlite:///.nbgate/runs.db`` by default.

Many ``nbgate run`` processes may write at once (a scheduler starting
several jobs), so the database is in WAL mode with a busy timeout, every
write is one short statement on a fresh connection, and no connection is held
open while a notebook executes. A lock held longer than the busy timeout
(``run.index_timeout``) raises ``IndexUnavailable``: the run goes on and its
rows wait in the spool. The ``output`` column is unique: two runs can never
claim the same output notebook.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


class SqliteIndex(SqlIndex):
    """The run index in the SQLite file ``path``."""

    def __init__(self, path: Path, *, timeout: float = 10.0, where: str | None = None) -> None:
        self.path = path
        self.timeout = timeout
        self.where = where or f"sqlite:///{path}"

    def _exists(self) -> bool:
        return self.path.exists()

    def _unique_violation(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.IntegrityError)

    def _fail(self, exc: BaseException) -> RunIndexError:
        text = str(exc)
        kind = IndexUnavailable if "locked" in text or "busy" in text or "unable to open" in text else RunIndexError
        return kind(f"{self.path}: run index error: {text}")

    @contextmanager
    def _connection(self, *, create: bool) -> Iterator[Any]:
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise IndexUnavailable(f"{self.path}: cannot open the run index: {exc}") from None
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            stored = connection.execute("PRAGMA user_version").fetchone()[0]
            if stored != SCHEMA_VERSION:
                self._upgrade(connection, stored)
            yield connection
        except sqlite3.IntegrityError:
            raise
        except sqlite3.Error as exc:
            raise self._fail(exc) from None
        finally:
            connection.close()

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
            raise RunIndexError(f"run index schema {seen} is newer than this nbgate (schema {SCHEMA_VERSION}): "
                                f"upgrade nbgate; the index was not read or changed")
        # WAL lets readers (``nbgate runs``) and many writers proceed together;
        # the setting is persistent, so only the first process pays for it.
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("BEGIN IMMEDIATE")
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]  # another process may have won
            if version > SCHEMA_VERSION:
                raise RunIndexError(f"run index schema {version} is newer than this nbgate "
                                    f"(schema {SCHEMA_VERSION}): upgrade nbgate")
            if version < 1:
                _script(connection, _SCHEMA)
            if version < 2:
                _script(connection, _UPGRADE_2)
            if version < 3:
                _script(connection, _UPGRADE_3)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise


def _script(connection: sqlite3.Connection, text: str) -> None:
    for statement in text.split(";"):
        if statement.strip():
            connection.execute(statement)
