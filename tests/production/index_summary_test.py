"""The stats summary against the rows, on both backends: counts identical, p50/p95 within ``BOUND``."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nbgate.production.index import FAILED, REFUSED, RUNNING, SUCCEEDED, RunIndex, Stats, open_url
from nbgate.production.index.summary import BOUND, bucket, representative
from tests.production.index_schema_test import summary_rows

REPO = Path(__file__).resolve().parents[2]
SINCE = "2024-05-10T13:27:05.250Z"
_names = itertools.count()

durations = st.one_of(
    st.just(0.0),
    st.floats(min_value=0.0, max_value=200_000.0),
    st.floats(min_value=0.0005, max_value=5.0),
)
#: Start times around SINCE: earlier days, the part of SINCE's day before and after it, later days.
moments = st.sampled_from(
    [
        "2024-05-08T10:00:00.000Z",
        "2024-05-10T00:00:00.000Z",
        "2024-05-10T13:27:05.249Z",
        SINCE,
        "2024-05-10T23:59:59.999Z",
        "2024-05-11T00:00:00.000Z",
        "2024-05-12T08:30:00.000Z",
        "2024-06-01T12:00:00.000Z",
    ]
)
runs = st.lists(
    st.tuples(
        moments,
        st.sampled_from([SUCCEEDED, FAILED, REFUSED, RUNNING]),
        durations,
        st.sampled_from([None, SUCCEEDED, FAILED]),
    ),
    min_size=1,
    max_size=40,
)


def _record(index: RunIndex, name: str, plan: list[tuple[str, str, float, str | None]]) -> None:
    """Write ``plan``: runs that start, finish (some twice, as a replayed or corrected finish) or are refused."""
    for n, (started, status, duration, again) in enumerate(plan):
        key = f"{name}-{n}"
        if status == REFUSED:
            index.refused(
                key=key, name=name, rev=1, date=None, run_id=key, error="paused", started=started
            )
            continue
        index.start(
            key=key,
            name=name,
            rev=1,
            date="2024-05-10",
            run_id=key,
            attempt=1,
            output=f"/out/{key}",
            source="s",
            source_sha256="x",
            parameters={},
            started=started,
        )
        if status != RUNNING:
            index.finish(key, status=status, duration=duration)
            if again is not None:
                index.finish(key, status=again, duration=duration * 1.5 + 1)


def close_enough(approx: Stats, exact: Stats) -> bool:
    """Counts equal; each percentile within BOUND of the exact one (both rounded to milliseconds)."""
    if approx._replace(p50=None, p95=None) != exact._replace(p50=None, p95=None):
        return False
    for got, want in ((approx.p50, exact.p50), (approx.p95, exact.p95)):
        if (got is None) != (want is None):
            return False
        if got is not None and want is not None and abs(got - want) > BOUND * want + 0.0011:
            return False
    return True


@pytest.fixture
def index(index_url: str, tmp_path: Path) -> RunIndex:
    """One index per backend for all examples (each example writes schedules of its own)."""
    return open_url(index_url, tmp_path)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plans=st.lists(runs, min_size=1, max_size=3))
def test_the_summary_matches_the_rows(
    index: RunIndex, plans: list[list[tuple[str, str, float, str | None]]]
) -> None:
    names = [f"job-{next(_names)}" for _ in plans]
    for name, plan in zip(names, plans, strict=False):
        _record(index, name, plan)
    for name in [*names, None]:
        for since in (SINCE, None, "2024-05-11T00:00:00.000Z"):
            exact, approx = (
                index.stats(name=name, since=since, exact=True),
                index.stats(name=name, since=since, exact=False),
            )
            assert [s.name for s in approx] == [s.name for s in exact]
            assert all(close_enough(a, e) for a, e in zip(approx, exact, strict=False)), (
                approx,
                exact,
            )


@given(st.floats(min_value=0.0, max_value=1e9))
def test_a_representative_is_within_the_bound_of_its_bucket(duration: float) -> None:
    assert abs(representative(bucket(duration)) - duration) <= BOUND * duration + 0.001


@pytest.mark.usefixtures("fast_paths_on")  # a test of the stats summary itself
def test_no_fast_paths_reads_the_rows(
    index_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = open_url(index_url, tmp_path)
    _record(
        index,
        "job",
        [("2024-05-11T00:00:00.000Z", SUCCEEDED, d, None) for d in (1.0, 2.0, 3.0, 4.0)],
    )
    [exact] = index.stats(exact=True)
    assert exact.p50 == 2.5 and index.stats(exact=False) != [exact]
    monkeypatch.setenv("NBGATE_NO_FAST_PATHS", "1")
    assert index.stats(exact=False) == [exact]


def test_a_copy_keeps_the_summary_consistent_and_copies_once(
    index_url: str, tmp_path: Path
) -> None:
    """``runs migrate --from sqlite --to URL``: the target's triggers count each copied row once."""
    source = open_url(f"sqlite:///{tmp_path / 'old.db'}", tmp_path)
    _record(
        source,
        "job",
        [
            (moment, status, float(n), None)
            for n, (moment, status) in enumerate(
                itertools.product(
                    [
                        "2024-05-09T01:00:00.000Z",
                        "2024-05-10T02:00:00.000Z",
                        "2024-05-12T03:00:00.000Z",
                    ],
                    [SUCCEEDED, FAILED, REFUSED, RUNNING],
                )
            )
        ],
    )
    target = open_url(index_url, tmp_path)
    _record(target, "other", [("2024-05-10T05:00:00.000Z", SUCCEEDED, 7.0, None)])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    (tmp_path / "pyproject.toml").write_text("[tool.nbgate]\n")
    for expected in ("copied 12 new run(s) of 12", "copied 0 new run(s) of 12"):
        done = subprocess.run(  # noqa: PLW1510 - the exit code is what the test reads
            [
                sys.executable,
                "-m",
                "nbgate",
                "runs",
                "migrate",
                "--from",
                f"sqlite:///{tmp_path / 'old.db'}",
                "--to",
                index_url,
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0 and expected in done.stdout, done.stderr
    copied = summary_rows(index_url)
    target.rebuild_summary()
    assert summary_rows(index_url) == copied  # consistent with the rows
    assert [s for s in target.stats(name="job")] == [s for s in source.stats(name="job")]
    assert target.stats(name="job", exact=True) == source.stats(name="job", exact=True)


def test_runs_on_a_sqlite_index_does_not_import_psycopg(tmp_path: Path) -> None:
    index = open_url(f"sqlite:///{tmp_path / '.nbgate' / 'runs.db'}", tmp_path)
    _record(index, "job", [("2024-05-11T00:00:00.000Z", SUCCEEDED, 1.0, None)])
    (tmp_path / "pyproject.toml").write_text("[tool.nbgate]\n")
    script = (
        "import json, sys\n"
        "from nbgate.cli.main import main\n"
        "codes = [main(['runs', '--format', 'json']), main(['runs', 'stats', '--days', '100000', '--format', 'json']),\n"  # noqa: E501 - test data kept on one line
        "         main(['runs', 'stats', '--exact', '--days', '100000', '--format', 'json'])]\n"
        "print(json.dumps([codes, sorted(m for m in sys.modules if m.split('.')[0] in ('psycopg', 'psycopg_c'))]))\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert '"job"' in done.stdout
    assert json.loads(done.stdout.splitlines()[-1]) == [[0, 0, 0], []]


@pytest.mark.usefixtures("fast_paths_on")  # a test of the stats summary itself
def test_left_to_itself_each_backend_answers_the_faster_way(index_url: str, tmp_path: Path) -> None:
    """Over every schedule PostgreSQL reads the rows (its percentile_cont is faster there); else the summary."""
    index = open_url(index_url, tmp_path)
    _record(
        index,
        "job",
        [("2024-05-11T00:00:00.000Z", SUCCEEDED, d, None) for d in (1.0, 2.0, 3.0, 4.0)],
    )
    [exact], [summarised] = index.stats(exact=True), index.stats(exact=False)
    assert exact != summarised
    assert index.stats() == ([exact] if type(index).SUMMARY_FOR_ALL is False else [summarised])
    assert type(index).SUMMARY_FOR_ALL is (not index_url.startswith("postgresql"))
    assert index.stats(name="job") == [summarised]
