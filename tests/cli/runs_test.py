from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from nbgate import config as config_module
from nbgate.cli.main import main
from nbgate.production.index import SCHEMA_VERSION, RunIndex, open_index, open_url, spool
from nbgate.production.runs import _where
from testing.postgres import Server


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, index_url: str) -> RunIndex:
    """Three runs in the project's index, on each backend (the URL comes from NBGATE_RUN_INDEX_URL)."""
    (tmp_path / "pyproject.toml").write_text("[tool.nbgate]\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NBGATE_RUN_INDEX_URL", index_url)
    runs = open_index(config_module.load(tmp_path))
    runs.start(
        key="k1",
        name="sales",
        rev=2,
        date="2024-05-01",
        run_id="r1",
        attempt=1,
        output=str(tmp_path / ".nbgate/runs/sales/r1.ipynb"),
        source="git:abc",
        source_sha256="x",
        parameters={"n": 1},
        started="2024-05-01T06:00:00.000Z",
    )
    runs.finish("k1", status="succeeded", duration=3.21)
    runs.start(
        key="k2",
        name="sales",
        rev=2,
        date="2024-05-02",
        run_id="r2",
        attempt=1,
        output="s3://bucket/sales/r2.ipynb",
        source="git:abc",
        source_sha256="x",
        parameters={},
        started="2024-05-02T06:00:00.000Z",
    )
    runs.finish("k2", status="failed", duration=1.5, error="cell 4 (In [4]): KeyError: 'region'")
    runs.refused(
        key="k3",
        name="cleanup",
        rev=1,
        date="2024-05-02",
        run_id="r3",
        error="cleanup is paused (rev 1)",
        started="2024-05-02T07:00:00.000Z",
    )
    return runs


def test_table_lists_newest_first_and_points_failed_runs_to_their_output(
    index: RunIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--color", "never", "runs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "started",
        "(UTC)",
        "name",
        "rev",
        "date",
        "run",
        "id",
        "status",
        "time",
        "output",
        "error",
    ]
    assert [line.split()[2:4] for line in lines[2:]] == [
        ["cleanup", "1"],
        ["sales", "2"],
        ["sales", "2"],
    ]
    assert "refused" in lines[2] and "cleanup is paused (rev 1)" in lines[2]
    assert (
        "failed" in lines[3]
        and "s3://bucket/sales/r2.ipynb" in lines[3]
        and "KeyError: 'region'" in lines[3]
    )
    assert (
        "succeeded" in lines[4] and "3.2s" in lines[4] and ".nbgate/runs/sales/r1.ipynb" in lines[4]
    )


def test_filters_time_window_and_json(index: RunIndex, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "sales", "--status", "failed", "--format", "json"]) == 0
    [record] = json.loads(capsys.readouterr().out)
    assert {k: record[k] for k in ("name", "run_id", "status", "output", "error", "duration")} == {
        "name": "sales",
        "run_id": "r2",
        "status": "failed",
        "output": "s3://bucket/sales/r2.ipynb",
        "error": "cell 4 (In [4]): KeyError: 'region'",
        "duration": 1.5,
    }
    assert main(["runs", "--limit", "1", "--format", "json"]) == 0
    assert [r["run_id"] for r in json.loads(capsys.readouterr().out)] == ["r3"]
    assert (
        main(
            ["runs", "--since", "2024-05-02", "--until", "2024-05-02T06:30:00Z", "--format", "json"]
        )
        == 0
    )
    assert [r["run_id"] for r in json.loads(capsys.readouterr().out)] == ["r2"]
    assert (
        main(["runs", "--until", "2024-05-01", "--format", "json"]) == 0
    )  # a date includes its whole day
    assert [r["run_id"] for r in json.loads(capsys.readouterr().out)] == ["r1"]
    assert main(["runs", "--since", "1d", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["runs", "nosuch"]) == 0
    assert capsys.readouterr().out == "no runs of nosuch\n"


@pytest.mark.usefixtures("fast_paths_on")  # a test of the stats summary itself
def test_stats_table_and_json(index: RunIndex, capsys: pytest.CaptureFixture[str]) -> None:
    index.start(
        key="k4",
        name="sales",
        rev=2,
        date="2024-05-03",
        run_id="r4",
        attempt=1,
        output="/o/r4",
        source="git:abc",
        source_sha256="x",
        parameters={},
    )
    index.finish("k4", status="succeeded", duration=10.0)
    exact = {
        "name": "sales",
        "runs": 1,
        "succeeded": 1,
        "failed": 0,
        "refused": 0,
        "running": 0,
        "p50": 10.0,
        "p95": 10.0,
        "success_rate": 1.0,
    }
    assert (
        main(["--color", "never", "runs", "stats", "--days", "30", "--exact", "--format", "json"])
        == 0
    )
    assert json.loads(capsys.readouterr().out) == [exact]
    assert (
        main(["--color", "never", "runs", "stats", "sales", "--days", "30", "--format", "json"])
        == 0
    )
    [summarised] = json.loads(capsys.readouterr().out)  # from the summary: p50/p95 within 2 %
    assert {**summarised, "p50": 10.0, "p95": 10.0} == exact
    assert abs(summarised["p50"] - 10.0) <= 0.2 and summarised["p95"] == summarised["p50"] != 10.0
    assert main(["--color", "never", "runs", "stats", "--days", "30", "--format", "json"]) == 0
    # the fleet view reads the few runs of the schedules it shows from the rows, on both backends
    assert json.loads(capsys.readouterr().out) == [exact]
    assert (
        main(
            [
                "--color",
                "never",
                "runs",
                "stats",
                "--days",
                "30",
                "--limit",
                "0",
                "--format",
                "json",
            ]
        )
        == 0
    )
    # every schedule: PostgreSQL answers from the rows (faster there), SQLite from the summary
    assert json.loads(capsys.readouterr().out) == (
        [exact] if type(index).SUMMARY_FOR_ALL is False else [summarised]
    )
    assert main(["--color", "never", "runs", "stats", "sales", "--days", "100000", "--exact"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "name",
        "runs",
        "succeeded",
        "failed",
        "refused",
        "running",
        "success",
        "p50",
        "p95",
    ]
    # durations 1.5 (failed), 3.21, 10.0: p50 3.21, p95 9.321; 2 of 3 finished runs succeeded
    assert lines[2].split() == ["sales", "3", "2", "1", "0", "0", "66.7%", "3.2s", "9.3s"]
    assert main(["--color", "never", "runs", "stats", "sales", "--days", "100000"]) == 0
    row = capsys.readouterr().out.splitlines()[2].split()
    assert row[:7] == ["sales", "3", "2", "1", "0", "0", "66.7%"]
    assert abs(float(row[7][:-1]) - 3.21) <= 0.1 and abs(float(row[8][:-1]) - 9.321) <= 0.2
    assert main(["runs", "stats", "nosuch", "--days", "3"]) == 0
    assert capsys.readouterr().out == "no runs of nosuch in the last 3 days\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["runs", "--status", "exploded"], "invalid choice"),
        (["runs", "--since", "yesterday-ish"], "--since 'yesterday-ish': expected YYYY-MM-DD"),
        (["runs", "stats", "--days", "0"], "--days 0: expected 1 or more"),
        (["runs", "migrate", "--from", "sqlite:///a.db"], "give both --from URL and --to URL"),
        (["runs", "sales", "--days", "3"], "--days and --exact are for `runs stats`"),
        (["runs", "sales", "--exact"], "--days and --exact are for `runs stats`"),
        (["runs", "a", "b"], "unexpected argument 'b'"),
    ],
)
def test_usage_errors(
    index: RunIndex, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_no_index_yet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.nbgate]\n")
    monkeypatch.chdir(tmp_path)
    assert main(["runs", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert not (tmp_path / ".nbgate").exists()


def test_config_masks_the_index_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.nbgate]\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(
        "NBGATE_RUN_INDEX_URL", "postgresql://runs:s3cr3t-Pa55@db.example:5432/nbgate"
    )
    for argv in (["config"], ["config", "--format", "json"]):
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert "s3cr3t" not in out and "postgresql://runs:***@db.example:5432/nbgate" in out
        assert "NBGATE_RUN_INDEX_URL" in out


def test_an_unreachable_index_is_one_line_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.nbgate.run]\nindex_timeout = 1\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(
        "NBGATE_RUN_INDEX_URL", f"postgresql://u:hunter22@/db?host={tmp_path}/nowhere"
    )
    assert main(["runs"]) == 1
    err = capsys.readouterr().err
    assert "hunter22" not in err and "postgresql://u:***@/db" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_migrate_upgrades_a_version_1_file_and_copies_idempotently(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    index_url: str,
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.nbgate]\n")
    monkeypatch.chdir(tmp_path)
    old = tmp_path / ".nbgate" / "runs.db"
    old.parent.mkdir()
    _version_1_file(old, rows=3)
    assert main(["runs", "migrate"]) == 0
    assert capsys.readouterr().out.strip().endswith(f"schema 1 -> {SCHEMA_VERSION}")
    upgraded = open_url(f"sqlite:///{old}", tmp_path)
    before = upgraded.list()
    assert [(r.run_id, r.status, r.duration) for r in before] == [
        ("v1-2", "succeeded", 2.0),
        ("v1-1", "succeeded", 1.0),
        ("v1-0", "succeeded", 0.0),
    ]
    assert all(len(r.key) == 32 for r in before)
    for expected in (
        "copied 3 new run(s) of 3 (0 already there)",
        "copied 0 new run(s) of 3 (3 already there)",
    ):
        assert main(["runs", "migrate", "--from", f"sqlite:///{old}", "--to", index_url]) == 0
        assert expected in capsys.readouterr().out
    copied = open_url(index_url, tmp_path).list()
    assert [(r.key, r.run_id, r.started, r.parameters) for r in copied] == [
        (r.key, r.run_id, r.started, r.parameters) for r in before
    ]


def test_runs_flushes_the_spool(
    index: RunIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    queue = spool(config_module.load(tmp_path))
    queue.append(
        "refused",
        {
            "key": "late",
            "name": "late",
            "rev": 1,
            "date": "2024-05-03",
            "run_id": "late",
            "error": "written while the index was down",
            "started": "2024-05-03T00:00:00.000Z",
            "host": "h",
            "pid": 1,
        },
    )
    assert main(["runs", "late", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert [r["run_id"] for r in json.loads(captured.out)] == ["late"]
    assert "1 spooled record(s) written" in captured.err
    assert main(["runs", "flush"]) == 0
    assert "nothing spooled" in capsys.readouterr().err


def _version_1_file(path: Path, rows: int) -> None:
    """A run index as nbgate wrote it before schema 2 (no keys, no heartbeats, user_version 1)."""
    from nbgate.production.index.sqlite import _SCHEMA

    connection = sqlite3.connect(path, isolation_level=None)
    for statement in _SCHEMA.split(";"):
        connection.execute(statement)
    for i in range(rows):
        connection.execute(
            "INSERT INTO runs (name, rev, date, run_id, attempt, status, started, ended, duration, output, "
            "parameters, host, pid) VALUES ('job', 1, '2024-01-01', ?, 1, 'succeeded', ?, ?, ?, ?, '{\"i\": 1}', "
            "'h', 1)",
            (
                f"v1-{i}",
                f"2024-01-0{i + 1}T00:00:00.000Z",
                f"2024-01-0{i + 1}T00:01:00.000Z",
                float(i),
                f"/o/{i}",
            ),
        )
    connection.execute("PRAGMA user_version = 1")
    connection.close()


def test_pg_server_fixture_is_real(pg_server: Server) -> None:
    import psycopg

    with psycopg.connect(pg_server.url()) as connection:
        row = connection.execute("SHOW server_version").fetchone()
        assert row is not None and str(row[0]).startswith("15")


def _where_by_path_resolve(uri: str) -> str:
    """What ``_where`` computed before it used ``os.path`` (Path.resolve, Path.cwd): the oracle."""
    if not uri or "://" in uri:
        return uri
    try:
        return os.path.relpath(uri) if Path(uri).resolve().is_relative_to(Path.cwd()) else uri
    except ValueError:
        return uri


def test_output_locations_show_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The output column: relative below the current folder (symlinks resolved), else as stored."""
    project = tmp_path / "proj"
    (project / "out").mkdir(parents=True)
    (project / "out" / "a.ipynb").write_text("{}")
    (tmp_path / "projection").mkdir()  # shares a prefix with proj/, yet is not below it
    (tmp_path / "link").symlink_to(project / "out")  # outside, but resolves below it
    (project / "back").symlink_to(tmp_path / "projection")  # below, but resolves outside
    monkeypatch.chdir(project)
    cases = {
        str(project / "out" / "a.ipynb"): "out/a.ipynb",
        str(project / "out" / "missing.ipynb"): "out/missing.ipynb",
        str(project / "out" / ".." / "out" / "b.ipynb"): "out/b.ipynb",
        str(project): ".",
        str(tmp_path / "link" / "a.ipynb"): os.path.relpath(tmp_path / "link" / "a.ipynb"),
        str(project / "back" / "x.ipynb"): str(project / "back" / "x.ipynb"),
        str(tmp_path / "projection" / "x.ipynb"): str(tmp_path / "projection" / "x.ipynb"),
        "/elsewhere/x.ipynb": "/elsewhere/x.ipynb",
        "out/a.ipynb": "out/a.ipynb",
        "s3://bucket/sales/r2.ipynb": "s3://bucket/sales/r2.ipynb",
        "bad\0name.ipynb": "bad\0name.ipynb",
        "": "",
    }
    for uri, shown in cases.items():
        assert _where(uri) == shown == _where_by_path_resolve(uri), uri
    assert _where(None) == ""
    monkeypatch.chdir("/")
    top = "/elsewhere/x.ipynb"
    assert _where(top) == "elsewhere/x.ipynb" == _where_by_path_resolve(top)
