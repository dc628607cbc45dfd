from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from nbgate.production.index import (
    FAILED,
    LOST,
    REFUSED,
    RUNNING,
    SUCCEEDED,
    OutputTaken,
    RunIndex,
    RunIndexError,
    shown_status,
)


def _start(index: RunIndex, run_id: str, *, name: str = "job", output: str | None = None) -> int:
    return index.start(name=name, rev=1, date="2024-01-01", run_id=run_id, attempt=1,
                       output=output or f"/out/{name}/{run_id}.ipynb", source="worktree",
                       source_sha256="0" * 64, parameters={"n": 1})


def test_records_a_run_from_start_to_finish(tmp_path: Path) -> None:
    index = RunIndex(tmp_path / "state" / "runs.db")
    assert index.list() == []  # no database yet: nothing to list, nothing created
    assert not index.path.exists()
    row = _start(index, "r1")
    [running] = index.list()
    assert (running.status, running.ended, running.parameters) == (RUNNING, None, {"n": 1})
    index.finish(row, status=FAILED, duration=1.23456, error="cell 3 (In [3]): ValueError: bad")
    [done] = index.list()
    assert (done.status, done.duration, done.error) == (FAILED, 1.235, "cell 3 (In [3]): ValueError: bad")
    assert done.ended is not None and done.ended >= done.started
    connection = sqlite3.connect(index.path)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_output_can_be_claimed_once(tmp_path: Path) -> None:
    index = RunIndex(tmp_path / "runs.db")
    _start(index, "r1", output="/out/x.ipynb")
    with pytest.raises(OutputTaken, match="never overwritten"):
        _start(index, "r2", output="/out/x.ipynb")
    index.refused(name="job", rev=1, date="2024-01-01", run_id="r3", error="drift")
    index.refused(name="job", rev=1, date="2024-01-01", run_id="r4", error="drift")  # no output: no clash
    assert [r.run_id for r in index.list()] == ["r4", "r3", "r1"]


def test_filters_and_limit(tmp_path: Path) -> None:
    index = RunIndex(tmp_path / "runs.db")
    for i in range(5):
        row = _start(index, f"a{i}", name="a")
        index.finish(row, status=SUCCEEDED if i % 2 else FAILED, duration=1.0)
    _start(index, "b0", name="b")
    assert [r.run_id for r in index.list(name="a", limit=2)] == ["a4", "a3"]
    assert [r.run_id for r in index.list(status=FAILED)] == ["a4", "a2", "a0"]
    assert [r.run_id for r in index.list(name="b", status=RUNNING)] == ["b0"]
    assert index.list(name="c") == []


def test_a_running_row_of_a_dead_process_shows_as_lost(tmp_path: Path) -> None:
    index = RunIndex(tmp_path / "runs.db")
    script = (
        "import sys; from nbgate.production.index import RunIndex; from pathlib import Path;"
        "RunIndex(Path(sys.argv[1])).start(name='job', rev=1, date='d', run_id='dead', attempt=1,"
        " output='/o', source='s', source_sha256='x', parameters={})"
    )
    subprocess.run([sys.executable, "-c", script, str(index.path)], check=True)
    [record] = index.list()
    assert record.status == RUNNING and shown_status(record) == LOST
    assert [r.run_id for r in index.list(status=LOST)] == ["dead"]
    assert record.as_json()["status"] == LOST
    _start(index, "alive")  # this process is alive
    assert [r.run_id for r in index.list(status=RUNNING)] == ["alive"]


def test_refused_rows_have_no_output(tmp_path: Path) -> None:
    index = RunIndex(tmp_path / "runs.db")
    index.refused(name="job", rev=None, date=None, run_id="r", error="job is paused")
    [record] = index.list()
    assert (record.status, record.output, record.error) == (REFUSED, None, "job is paused")


def test_concurrent_writers_all_land(tmp_path: Path) -> None:
    """Eight processes each record 25 runs at once: no lost rows, no 'database is locked'."""
    path = tmp_path / "runs.db"
    script = (
        "import sys; from pathlib import Path; from nbgate.production.index import RunIndex\n"
        "index = RunIndex(Path(sys.argv[1]))\n"
        "for i in range(25):\n"
        "    row = index.start(name='job', rev=1, date='d', run_id=f'{sys.argv[2]}-{i}', attempt=1,\n"
        "                      output=f'/o/{sys.argv[2]}-{i}', source='s', source_sha256='x', parameters={})\n"
        "    index.finish(row, status='succeeded', duration=0.1)\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path), f"p{n}"]) for n in range(8)]
    assert [p.wait() for p in procs] == [0] * 8
    records = RunIndex(path).list()
    assert len(records) == 200
    assert {r.status for r in records} == {SUCCEEDED}


def test_unusable_index_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "runs.db").write_text("not a database, just text that is long enough" * 50)
    with pytest.raises(RunIndexError, match="runs.db"):
        RunIndex(tmp_path / "runs.db").list()
