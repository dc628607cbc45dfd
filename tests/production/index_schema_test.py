"""Older schemas upgraded in place to the current one (the stats summary, PostgreSQL's running totals), on both
backends, without losing a row."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest

from nbgate.production.index import (
    FAILED,
    REFUSED,
    SCHEMA_VERSION,
    SUCCEEDED,
    RunIndex,
    open_url,
    summary,
)


def _execute(url: str, *statements: str) -> list[tuple[Any, ...]]:
    """Run statements outside nbgate; the last one's rows."""
    rows: list[tuple[Any, ...]] = []
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url[len("sqlite:///") :], isolation_level=None)
        try:
            for statement in statements:
                rows = connection.execute(statement).fetchall()
        finally:
            connection.close()
        return rows
    with psycopg.connect(url, autocommit=True) as server:
        for statement in statements:
            cursor = server.execute(statement)
            rows = list(cursor.fetchall()) if cursor.description else []
    return rows


def summary_rows(
    url: str,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The summary tables' non-zero rows, sorted (for comparing two indexes); PostgreSQL's totals too."""
    days = _execute(
        url, "SELECT name, day, runs, succeeded, failed, refused FROM run_days WHERE runs <> 0"
    )
    spread = _execute(url, "SELECT name, day, bucket, runs FROM run_durations WHERE runs <> 0")
    totals = (
        []
        if url.startswith("sqlite")
        else _execute(
            url,
            "SELECT name, CAST(base AS TEXT), counts FROM run_totals "
            "WHERE counts[array_upper(counts, 1) - 2] <> 0",
        )
    )
    return (
        sorted(tuple(int(v) if not isinstance(v, str) else v for v in row) for row in days),
        sorted(tuple(int(v) if not isinstance(v, str) else v for v in row) for row in spread),
        sorted(tuple(v if isinstance(v, str | list) else int(v) for v in row) for row in totals),
    )


def as_schema_4(url: str) -> None:
    """Make a current index look as schema 4 left it: on PostgreSQL no running totals, the old index."""
    if url.startswith("sqlite"):
        _execute(url, "PRAGMA user_version = 4", "UPDATE nbgate_schema SET version = 4")
        return
    function = re.sub(  # the trigger function of schema 4 did not keep totals
        r"IF (OLD|NEW)\.status <> 'running' THEN PERFORM nbgate_run_totals\(.*?\); END IF; ",
        "",
        summary.postgres_triggers()[0],
    )
    assert "nbgate_run_totals" not in function
    _execute(
        url,
        function,
        "DROP TABLE run_totals",
        "DROP FUNCTION nbgate_run_totals",
        "DROP INDEX runs_by_start",
        "CREATE INDEX runs_by_started ON runs (started)",
        "UPDATE nbgate_schema SET version = 4",
    )


def as_version(url: str, version: int) -> None:
    """Make a current index look as schema ``version`` (2 or 3) left it: no summary (nor stats index for 2)."""
    as_schema_4(url)
    if url.startswith("sqlite"):
        drops = [
            "DROP TRIGGER runs_summary_insert",
            "DROP TRIGGER runs_summary_update",
            "DROP TRIGGER runs_summary_delete",
            f"PRAGMA user_version = {version}",
        ]
    else:
        drops = [
            "DROP TRIGGER runs_summary_insert ON runs",
            "DROP TRIGGER runs_summary_update ON runs",
            "DROP TRIGGER runs_summary_delete ON runs",
            "DROP FUNCTION nbgate_run_summary()",
        ]
    drops += [
        "DROP TABLE run_days",
        "DROP TABLE run_durations",
        f"UPDATE nbgate_schema SET version = {version}",
    ]
    if version < 3:
        drops.append("DROP INDEX runs_for_stats")
    _execute(url, *drops)


def _has(url: str, name: str) -> bool:
    if url.startswith("sqlite"):
        return bool(_execute(url, f"SELECT 1 FROM sqlite_master WHERE name = '{name}'"))
    return bool(_execute(url, f"SELECT to_regclass('{name}') IS NOT NULL")[0][0])


def fill(index: RunIndex, count: int = 12) -> None:
    """Runs of two schedules over three days: finished, failed, refused and still running."""
    for n in range(count):
        key = f"k{n}"
        started = f"2024-05-0{1 + n % 3}T0{n % 10}:00:00.000Z"
        index.start(
            key=key,
            name=f"job{n % 2}",
            rev=1,
            date="2024-05-01",
            run_id=f"r{n}",
            attempt=1,
            output=f"/out/{n}.ipynb",
            source="git:abc",
            source_sha256="0" * 64,
            parameters={},
            started=started,
        )
        if n % 4:
            index.finish(key, status=FAILED if n % 4 == 3 else SUCCEEDED, duration=float(n) * 1.7)
    index.refused(
        key="refused",
        name="job0",
        rev=1,
        date=None,
        run_id="ref",
        error="paused",
        started="2024-05-02T00:00:00.000Z",
    )


def _close(index: RunIndex) -> None:
    close = getattr(index, "close", None)
    if close:
        close()


@pytest.mark.parametrize("version", [2, 3])
def test_migrate_builds_the_summary_from_the_rows(
    index_url: str, tmp_path: Path, version: int
) -> None:
    index = open_url(index_url, tmp_path)
    fill(index)
    rows, exact, summarised, kept = (
        index.list(),
        index.stats(exact=True),
        index.stats(exact=False),
        summary_rows(index_url),
    )
    assert [s.runs for s in exact] == [7, 6] and {r.status for r in rows} == {
        "running",
        SUCCEEDED,
        FAILED,
        REFUSED,
    }
    _close(index)
    as_version(index_url, version)
    assert not _has(index_url, "run_days")
    upgraded = open_url(index_url, tmp_path)
    assert upgraded.migrate() == (version, SCHEMA_VERSION)
    assert _has(index_url, "run_days") and _has(index_url, "runs_for_stats")
    assert summary_rows(index_url) == kept  # the migration counts what the triggers counted
    assert (
        upgraded.list() == rows
        and upgraded.stats(exact=True) == exact
        and upgraded.stats(exact=False) == summarised
    )
    assert (
        upgraded.migrate() == (SCHEMA_VERSION, SCHEMA_VERSION) and summary_rows(index_url) == kept
    )
    upgraded.finish(
        "k0", status=SUCCEEDED, duration=2.0
    )  # the triggers are back: a finish moves the summary
    after = upgraded.stats(exact=False)
    assert [s.running for s in after] == [2, 0] and after[0].succeeded == summarised[
        0
    ].succeeded + 1
    assert [s._replace(p50=None, p95=None) for s in after] == [
        s._replace(p50=None, p95=None) for s in upgraded.stats(exact=True)
    ]
    maintained = summary_rows(index_url)
    upgraded.rebuild_summary()
    assert summary_rows(index_url) == maintained  # what the triggers keep is what a recount finds


def test_migrate_from_4_builds_the_running_totals(index_url: str, tmp_path: Path) -> None:
    """Schema 4 -> 5: PostgreSQL counts the totals from run_days; SQLite only moves its version."""
    index = open_url(index_url, tmp_path)
    fill(index)
    kept, ranked = summary_rows(index_url), index.ranked(limit=1)
    assert bool(kept[2]) is not index_url.startswith("sqlite")  # totals on PostgreSQL only
    _close(index)
    as_schema_4(index_url)
    assert not _has(index_url, "run_totals")
    upgraded = open_url(index_url, tmp_path)
    assert upgraded.migrate() == (4, SCHEMA_VERSION)
    assert summary_rows(index_url) == kept and upgraded.ranked(limit=1) == ranked
    if not index_url.startswith("sqlite"):
        assert _has(index_url, "runs_by_start") and not _has(index_url, "runs_by_started")
    upgraded.finish("k0", status=FAILED, duration=2.0)  # the new trigger function keeps the totals
    maintained = summary_rows(index_url)
    assert maintained != kept
    upgraded.rebuild_summary()
    assert summary_rows(index_url) == maintained
    _close(upgraded)
