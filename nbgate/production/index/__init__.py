"""The run index: one row per run attempt, in SQLite (default) or PostgreSQL.

``run.index`` (or ``NBGATE_RUN_INDEX_URL``) is a database URL:
``sqlite:///.nbgate/runs.db`` (relative to the project root; four slashes
for an absolute path) or ``postgresql://user:password@host/db``. Every
backend implements ``RunIndex`` (``model``); ``open_index`` picks one and
imports only that backend (``nbgate runs`` on PostgreSQL never loads
``sqlite3``, on SQLite never ``ctypes`` and libpq: a few ms of start-up each).
Importing this package does not import psycopg.
"""

from __future__ import annotations

from pathlib import Path

from nbgate.config import Config, mask_url
from nbgate.errors import ConfigError
from nbgate.production.index.model import (
    FAILED,
    LOST,
    REFUSED,
    RUNNING,
    SCHEMA_VERSION,
    STATUSES,
    SUCCEEDED,
    IndexUnavailable,
    Liveness,
    OutputTaken,
    Query,
    RunIndex,
    RunIndexError,
    RunRecord,
    RunStatus,
    Stats,
    now,
)
from nbgate.production.index.spool import Spool

__all__ = [
    "FAILED",
    "LOST",
    "REFUSED",
    "RUNNING",
    "SCHEMA_VERSION",
    "STATUSES",
    "SUCCEEDED",
    "IndexUnavailable",
    "Liveness",
    "OutputTaken",
    "Query",
    "RunIndex",
    "RunIndexError",
    "RunRecord",
    "RunStatus",
    "Spool",
    "Stats",
    "index_url",
    "liveness",
    "now",
    "open_index",
    "open_url",
    "spool",
]

SCHEMES = ("sqlite", "postgresql", "postgres")


def index_url(config: Config) -> str:
    """The configured index URL; the default follows ``state_dir``."""
    url = str(config["run.index"]).strip()
    if config.sources.get("run.index", "default") == "default":
        return f"sqlite:///{config.state_dir / 'runs.db'}"
    return url


def open_url(url: str, root: Path, *, timeout: float = 10.0) -> RunIndex:
    """The index at ``url`` (relative SQLite paths are below ``root``)."""
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in SCHEMES:
        raise ConfigError(
            f"run.index {mask_url(url)!r}: expected sqlite:///PATH or postgresql://... URL"
        )
    if scheme == "sqlite":
        path = rest.removeprefix("/")
        if not path or rest.startswith("/:memory:"):
            raise ConfigError(f"run.index {url!r}: needs a file path (sqlite:///.nbgate/runs.db)")
        file = Path(path) if Path(path).is_absolute() else root / path
        from nbgate.production.index.sqlite import SqliteIndex  # the backend in use, only

        return SqliteIndex(file, timeout=timeout, where=f"sqlite:///{path}")
    from nbgate.production.index.postgres import PostgresIndex  # the backend in use, only

    return PostgresIndex(url, timeout=timeout, where=mask_url(url))


def open_index(config: Config) -> RunIndex:
    """The project's run index."""
    return open_url(index_url(config), config.root, timeout=float(config["run.index_timeout"]))


def liveness(config: Config) -> Liveness:
    """When a running run counts as lost, from ``run.heartbeat`` and ``run.lost_after``."""
    return Liveness(float(config["run.heartbeat"]), int(config["run.lost_after"]))


def spool(config: Config) -> Spool:
    """The project's spool of index writes that waited for the index."""
    return Spool(config.state_dir / "index-spool.jsonl")
