"""Schema 2 -> 3 (the covering index ``runs stats`` reads) in place, on both backends."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg

from nbgate.production.index import SUCCEEDED, open_url


def _as_version_2(url: str) -> None:
    """Make a fresh index look as schema 2 wrote it: no ``runs_for_stats``, version 2."""
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url[len("sqlite:///"):], isolation_level=None)
        connection.execute("DROP INDEX runs_for_stats")
        connection.execute("UPDATE nbgate_schema SET version = 2")
        connection.execute("PRAGMA user_version = 2")
        connection.close()
        return
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP INDEX runs_for_stats")
        connection.execute("UPDATE nbgate_schema SET version = 2")


def _has_stats_index(url: str) -> bool:
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url[len("sqlite:///"):])
        try:
            return connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'runs_for_stats'").fetchone() is not None
        finally:
            connection.close()
    with psycopg.connect(url, autocommit=True) as connection:
        return bool(connection.execute("SELECT to_regclass('runs_for_stats') IS NOT NULL").fetchone()[0])


def test_migrate_adds_the_stats_index_to_a_schema_2_index(index_url: str, tmp_path: Path) -> None:
    index = open_url(index_url, tmp_path)
    for n in range(5):
        index.start(key=f"k{n}", name="job", rev=1, date="2024-05-01", run_id=f"r{n}", attempt=1,
                    output=f"/out/{n}.ipynb", source="git:abc", source_sha256="0" * 64, parameters={})
        index.finish(f"k{n}", status=SUCCEEDED, duration=float(n))
    before = index.stats()
    close = getattr(index, "close", None)
    if close:
        close()
    _as_version_2(index_url)
    assert not _has_stats_index(index_url)
    upgraded = open_url(index_url, tmp_path)
    assert upgraded.migrate() == (2, 3)
    assert _has_stats_index(index_url)
    assert upgraded.stats() == before and before[0].runs == 5 and before[0].p50 == 2.0
    assert len(upgraded.list()) == 5
