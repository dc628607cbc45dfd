"""The fleet view of ``runs stats``: the database's rank against Python's sort, on both backends,
and PostgreSQL's running totals against the ``run_days`` they sum."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nbgate.production.index import FAILED, REFUSED, RUNNING, SUCCEEDED, RunIndex, open_url
from nbgate.production.index.fleet import days_sql, worst_first
from nbgate.production.index.totals import SPAN, window_counts
from tests.production.index_schema_test import summary_rows
from tests.production.index_summary_test import SINCE, _record, runs

REPO = Path(__file__).resolve().parents[2]
_names = itertools.count()


@pytest.fixture
def index(index_url: str, tmp_path: Path) -> Iterator[RunIndex]:
    opened = open_url(index_url, tmp_path)
    yield opened
    close = getattr(opened, "close", None)
    if close:
        close()


@pytest.mark.usefixtures("fast_paths_on")  # compares the fast path with the sort it replaces
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plans=st.lists(runs, min_size=1, max_size=5))
def test_the_database_ranks_as_python_sorts(
    index: RunIndex,
    plans: list[list[tuple[str, str, float, str | None]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for plan in plans:
        _record(index, f"job-{next(_names)}", plan)
    # afternoon and morning starts (the first day's rows added, or its morning taken back)
    for since in (
        SINCE,
        "2024-05-10T08:00:00.000Z",
        None,
        "2024-05-11T00:00:00.000Z",
        "2024-06-02T00:00:00.000Z",
    ):
        every = sorted(index.stats(since=since, exact=True), key=worst_first)
        for limit in (1, 2, 3, len(every) + 1):
            want = (every[:limit], len(every) > limit)
            assert index.ranked(since=since, limit=limit, exact=True) == want, (since, limit)
            with monkeypatch.context() as off:
                off.setenv("NBGATE_NO_FAST_PATHS", "stats-fleet")
                assert index.ranked(since=since, limit=limit, exact=True) == want
        assert index.ranked(since=since, exact=True) == (every, False)


def test_the_order_is_lowest_success_rate_then_most_failed_then_name(index: RunIndex) -> None:
    day = "2024-05-11T0{}:00:00.000Z"
    plans = {
        "b-half": [SUCCEEDED, FAILED],
        "a-half": [SUCCEEDED, FAILED],
        "c-half-more": [SUCCEEDED, SUCCEEDED, FAILED, FAILED],
        "d-fine": [SUCCEEDED, SUCCEEDED, SUCCEEDED],
        "e-bad": [FAILED, REFUSED],
        "f-refused-only": [REFUSED],
        "g-running": [RUNNING],
    }
    for name, statuses in plans.items():
        _record(index, name, [(day.format(n), s, 1.0, None) for n, s in enumerate(statuses)])
    shown, more = index.ranked(since=SINCE, limit=5)
    assert [s.name for s in shown] == ["e-bad", "c-half-more", "a-half", "b-half", "d-fine"]
    assert more and shown[0].refused == 1 and shown[1].failed == 2
    rest, more = index.ranked(since=SINCE)
    assert [s.name for s in rest[5:]] == ["f-refused-only", "g-running"] and not more


def _days(start: str, *offsets: int) -> list[str]:
    first = date.fromisoformat(start)
    return [f"{(first + timedelta(days=n)).isoformat()}T12:00:00.000Z" for n in offsets]


def _by_name(url: str, statement: str, args: list[str]) -> dict[str, tuple[int, ...]]:
    with psycopg.connect(url, autocommit=True) as server:
        rows = server.execute(statement.replace("?", "%s"), args).fetchall()
    return {str(r[0]): tuple(int(v) for v in r[1:]) for r in rows if any(r[1:])}


@pytest.mark.parametrize("index_url", ["postgresql"], indirect=True)
def test_the_totals_are_the_prefix_sums_of_run_days(index: RunIndex, index_url: str) -> None:
    """Runs far apart (the ring moves on), late rows before its base, corrected finishes, deletes."""
    plans = {
        "steady": _days("2024-01-01", *range(0, 200, 3)),
        "jumps": _days("2024-01-01", 0, 1, SPAN - 1, SPAN, 3 * SPAN, 3 * SPAN + 5),
        "late": _days("2024-01-01", 400, 10, 399, 200, 401),  # 10 and 200 come after the base moved
        "one": _days("2024-03-01", 0),
        "daily": _days("2024-01-01", *range(250)),  # the ring moves a day at a time
        "uneven": _days("2024-01-01", *(n * n % 311 for n in range(60))),
    }
    for name, moments in plans.items():
        _record(
            index,
            name,
            [
                (at, (SUCCEEDED, FAILED, REFUSED)[n % 3], float(n), FAILED if n % 5 == 0 else None)
                for n, at in enumerate(moments)
            ],
        )
    with psycopg.connect(index_url, autocommit=True) as server:  # a row deleted by hand
        server.execute("DELETE FROM runs WHERE key = 'steady-4'")
    with psycopg.connect(index_url, autocommit=True) as server:  # each ring's first day, too
        bases = [str(row[0]) for row in server.execute("SELECT DISTINCT base FROM run_totals")]
    days = {m[:10] for moments in plans.values() for m in moments}
    checked = 0
    for first in sorted({*days, *bases, "2023-12-01", "2025-06-01"}):
        whole = _by_name(index_url, *window_counts(first))
        assert whole == _by_name(index_url, *days_sql(first)), first
        checked += len(whole)
    assert checked > 100
    maintained = summary_rows(index_url)
    index.rebuild_summary()
    assert summary_rows(index_url) == maintained  # the trigger's rings are what a recount builds


@pytest.mark.parametrize("index_url", ["postgresql"], indirect=True)
def test_a_start_time_that_is_no_date_never_fails_a_write(index: RunIndex, index_url: str) -> None:
    """Copied rows (``runs migrate --from``) are not checked: the totals skip what is not a date."""
    rows = [
        {
            "key": f"odd-{n}",
            "name": "odd",
            "rev": 1,
            "date": None,
            "run_id": f"odd-{n}",
            "attempt": 1,
            "status": SUCCEEDED,
            "started": started,
            "ended": None,
            "duration": 1.0,
            "heartbeat": None,
            "output": None,
            "error": None,
            "source": None,
            "source_sha256": None,
            "parameters": "{}",
            "host": None,
            "pid": None,
        }
        for n, started in enumerate(["2024-02-30T00:00:00Z", "soon", "0000-01-01T00:00:00Z"])
    ]
    assert index.insert_rows(rows) == 3
    assert [s.runs for s in index.stats(name="odd")] == [3]  # run_days counts them
    index.rebuild_summary()  # and a recount does not fail on them either
    assert summary_rows(index_url)[2] == []


def test_runs_stats_shows_the_worst_first_and_says_there_are_more(
    index_url: str, tmp_path: Path
) -> None:
    index = open_url(index_url, tmp_path)
    recent = [f"2099-01-01T0{n}:00:00.000Z" for n in range(3)]  # inside any --days window
    for n in range(4):
        statuses = [SUCCEEDED] * (3 - min(n, 3)) + [FAILED] * min(n, 3)
        _record(
            index, f"job{n}", [(at, s, 2.0, None) for at, s in zip(recent, statuses, strict=False)]
        )
    close = getattr(index, "close", None)
    if close:
        close()
    (tmp_path / "pyproject.toml").write_text("[tool.nbgate]\n")
    env = {
        **os.environ,
        "NBGATE_RUN_INDEX_URL": index_url,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }

    def stats(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: PLW1510 - the exit code is what the test reads
            [sys.executable, "-m", "nbgate", "runs", "stats", "--days", "400000", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    shown = stats("--limit", "2")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert [line.split()[0] for line in lines[2:4]] == ["job3", "job2"]
    assert "lowest success rate" in lines[-1] and "--limit 0" in lines[-1]
    every = json.loads(stats("--limit", "0", "--format", "json").stdout)
    assert [s["name"] for s in every] == ["job3", "job2", "job1", "job0"]
    assert stats("--limit", "-1").returncode == 2


@pytest.mark.usefixtures(
    "fast_paths_on"
)  # which source the fleet view reads is the fast path's choice
def test_the_fleet_view_reads_many_runs_from_the_summary(
    index: RunIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    durations = [1.0, 2.0, 3.0, 40.0]
    _record(
        index,
        "job",
        [(f"2024-05-11T0{n}:00:00.000Z", SUCCEEDED, d, None) for n, d in enumerate(durations)],
    )
    [exact] = index.stats(since=SINCE, exact=True)
    [summarised] = index.stats(since=SINCE, exact=False)
    assert exact.p50 == 2.5 and summarised != exact
    assert index.ranked(since=SINCE, limit=5) == ([exact], False)  # 4 runs: the rows
    monkeypatch.setattr(type(index), "EXACT_UP_TO", 3)
    assert index.ranked(since=SINCE, limit=5) == ([summarised], False)  # more: the summary
