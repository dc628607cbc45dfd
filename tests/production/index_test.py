"""The run index on both backends: a SQLite file and a real PostgreSQL server (``index_url``)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nbgate.production.index import (
    FAILED,
    LOST,
    REFUSED,
    RUNNING,
    SUCCEEDED,
    IndexUnavailable,
    Liveness,
    OutputTaken,
    Query,
    RunIndex,
    RunIndexError,
    Stats,
    open_url,
)
from nbgate.production.index.spool import Recorder, Spool
from nbgate.production.index.summary import BOUND
from testing.postgres import Server


def _open(url: str, tmp_path: Path, **kw: float) -> RunIndex:
    return open_url(url, tmp_path, **kw)


def _start(
    index: RunIndex,
    run_id: str,
    *,
    name: str = "job",
    output: str | None = None,
    started: str | None = None,
) -> str:
    key = f"key-{name}-{run_id}"
    index.start(
        key=key,
        name=name,
        rev=1,
        date="2024-01-01",
        run_id=run_id,
        attempt=1,
        output=output or f"/out/{name}/{run_id}.ipynb",
        source="worktree",
        source_sha256="0" * 64,
        parameters={"n": 1},
        started=started,
    )
    return key


def test_records_a_run_from_start_to_finish(index_url: str, tmp_path: Path) -> None:
    index = _open(index_url, tmp_path)
    assert index.list() == []
    key = _start(index, "r1")
    [running] = index.list()
    assert (running.status, running.shown, running.ended, running.parameters) == (
        RUNNING,
        RUNNING,
        None,
        {"n": 1},
    )
    assert running.heartbeat == running.started
    index.finish(key, status=FAILED, duration=1.23456, error="cell 3 (In [3]): ValueError: bad")
    [done] = index.list()
    assert (done.status, done.duration, done.error) == (
        FAILED,
        1.235,
        "cell 3 (In [3]): ValueError: bad",
    )
    assert done.ended is not None and done.ended >= done.started
    assert index.get(done.id) == done and index.get(done.id + 1000) is None
    assert done.as_json()["status"] == FAILED and "shown" not in done.as_json()


def test_sqlite_is_created_on_first_write_in_wal_mode(tmp_path: Path) -> None:
    index = _open(f"sqlite:///{tmp_path / 'state' / 'runs.db'}", tmp_path)
    assert index.list() == [] and not (tmp_path / "state").exists()  # reading creates nothing
    _start(index, "r1")
    connection = sqlite3.connect(tmp_path / "state" / "runs.db")
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_output_can_be_claimed_once_and_keys_are_idempotent(
    index_url: str, tmp_path: Path
) -> None:
    index = _open(index_url, tmp_path)
    key = _start(index, "r1", output="/out/x.ipynb")
    assert (
        _start(index, "r1", output="/out/x.ipynb") == key
    )  # the same key again (a spool replay): no new row
    with pytest.raises(OutputTaken, match="never overwritten"):
        _start(index, "r2", output="/out/x.ipynb")
    index.refused(key="k3", name="job", rev=1, date="2024-01-01", run_id="r3", error="drift")
    index.refused(
        key="k4", name="job", rev=1, date="2024-01-01", run_id="r4", error="drift"
    )  # no output
    assert [r.run_id for r in index.list()] == ["r4", "r3", "r1"]
    [refused] = index.list(Query(run_id="r3"))
    assert (refused.status, refused.output, refused.error) == (REFUSED, None, "drift")


def test_filters_limit_and_time_window(index_url: str, tmp_path: Path) -> None:
    index = _open(index_url, tmp_path)
    for i in range(5):
        key = _start(index, f"a{i}", name="a", started=f"2024-05-0{i + 1}T06:00:00.000Z")
        index.finish(key, status=SUCCEEDED if i % 2 else FAILED, duration=1.0)
    _start(index, "b0", name="b")
    assert [r.run_id for r in index.list(Query(name="a", limit=2))] == ["a4", "a3"]
    assert [r.run_id for r in index.list(Query(status=FAILED))] == ["a4", "a2", "a0"]
    assert [r.run_id for r in index.list(Query(name="b", status=RUNNING))] == ["b0"]
    window = Query(since="2024-05-02T00:00:00.000Z", until="2024-05-04T00:00:00.000Z")
    assert [r.run_id for r in index.list(window)] == ["a2", "a1"]
    assert index.list(Query(name="c")) == []


def test_stats_are_the_same_on_both_backends(index_url: str, tmp_path: Path) -> None:
    index = _open(index_url, tmp_path)
    for i, (status, duration) in enumerate(
        [(SUCCEEDED, 1.0), (SUCCEEDED, 2.0), (FAILED, 3.0), (SUCCEEDED, 4.0)]
    ):
        key = _start(index, f"s{i}", name="sales")
        index.finish(key, status=status, duration=duration)
    old = _start(index, "old", name="sales", started="2020-01-01T00:00:00.000Z")
    index.finish(old, status=FAILED, duration=100.0)
    index.refused(key="r", name="cleanup", rev=1, date=None, run_id="r", error="paused")
    _start(index, "live", name="cleanup")
    exact = [Stats("cleanup", 2, 0, 0, 1, 1, None, None), Stats("sales", 4, 3, 1, 0, 0, 2.5, 3.85)]
    assert index.stats(since="2024-01-01T00:00:00.000Z", exact=True) == exact
    [sales] = index.stats(name="sales", exact=True)
    assert (sales.runs, sales.p50, sales.p95, sales.success_rate) == (5, 3.0, 80.8, 0.6)
    # from the summary: the same counts, percentiles within the bound
    summarised = index.stats(since="2024-01-01T00:00:00.000Z", exact=False)
    assert [s._replace(p50=None, p95=None) for s in summarised] == [
        s._replace(p50=None, p95=None) for s in exact
    ]
    assert summarised[0].p50 is None and summarised[0].p95 is None
    [approx] = index.stats(name="sales", exact=False)
    assert approx._replace(p50=3.0, p95=80.8) == sales
    for got, want in (
        (summarised[1].p50, 2.5),
        (summarised[1].p95, 3.85),
        (approx.p50, 3.0),
        (approx.p95, 80.8),
    ):
        assert got is not None and got != want and abs(got - want) <= BOUND * want + 0.0005


def test_latest_is_the_newest_run_of_each_schedule_on_both_backends(
    index_url: str, tmp_path: Path
) -> None:
    index = _open(index_url, tmp_path)
    assert index.latest() == []
    for i, day in enumerate(
        ["03", "01", "02"]
    ):  # written out of order: newest by start time, not by id
        key = _start(index, f"s{i}", name="sales", started=f"2024-05-{day}T06:00:00.000Z")
        index.finish(key, status=FAILED if i else SUCCEEDED, duration=1.0)
    _start(index, "t1", name="tie", started="2024-05-01T06:00:00.000Z")
    _start(
        index, "t2", name="tie", started="2024-05-01T06:00:00.000Z"
    )  # same start: the later row wins
    index.refused(
        key="r",
        name="cleanup",
        rev=1,
        date=None,
        run_id="r",
        error="paused",
        started="2024-04-01T00:00:00.000Z",
    )
    latest = index.latest(liveness=Liveness(interval=30.0, missed=3))
    assert [(r.name, r.run_id) for r in latest] == [
        ("cleanup", "r"),
        ("sales", "s0"),
        ("tie", "t2"),
    ]
    assert [r.shown for r in latest] == [REFUSED, SUCCEEDED, LOST]  # t2's heartbeat is from 2024
    newest = {
        r.name: r for r in reversed(index.list())
    }  # list is newest first: keep the first of each name
    assert [newest.get(r.name) for r in latest] == latest
    assert latest[1] == index.get(latest[1].id)


def _kill_after_start(url: str, tmp_path: Path, interval: float) -> int:
    """A separate process records a run with a heartbeat, then is SIGKILLed; its pid."""
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from nbgate.production.heartbeat import beating\n"
        "from nbgate.production.index import open_url\n"
        "index = open_url(sys.argv[1], Path(sys.argv[2]))\n"
        "index.start(key='victim', name='job', rev=1, date='d', run_id='victim', attempt=1, output='/o',\n"
        "            source='s', source_sha256='x', parameters={}, host='another-host')\n"
        "with beating(lambda: index.heartbeat('victim'), float(sys.argv[3])):\n"
        "    print('started', flush=True)\n"
        "    time.sleep(600)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, url, str(tmp_path), str(interval)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline() == "started\n"
    time.sleep(1.5)  # a few heartbeats land
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    return process.pid


def test_a_sigkilled_run_shows_as_lost_after_its_heartbeat_window(
    index_url: str, tmp_path: Path
) -> None:
    """Host 'another-host': only the heartbeat can tell, as for a run on another machine."""
    interval = 0.3
    _kill_after_start(index_url, tmp_path, interval)
    liveness = Liveness(
        interval=interval, missed=4
    )  # a 1.2 s window, well above one beat on a busy box
    reader = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from nbgate.production.index import Liveness, open_url\n"
        "index = open_url(sys.argv[1], Path(sys.argv[2]))\n"
        "print(json.dumps([r.as_json() for r in index.list(liveness=Liveness(float(sys.argv[3]), 4))]))\n"
    )
    [beat] = _open(index_url, tmp_path).list(liveness=Liveness(interval=60.0, missed=3))
    assert (
        beat.shown == RUNNING and beat.heartbeat is not None and beat.heartbeat > beat.started
    )  # it beat
    time.sleep(interval * 4 + 0.5)
    shown = subprocess.run(
        [sys.executable, "-c", reader, index_url, str(tmp_path), str(interval)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    [record] = json.loads(shown)
    assert (record["run_id"], record["status"]) == ("victim", LOST)
    index = _open(index_url, tmp_path)
    assert [r.run_id for r in index.list(Query(status=LOST), liveness=liveness)] == ["victim"]
    assert index.list(Query(status=RUNNING), liveness=liveness) == []


def test_a_dead_process_on_this_host_is_lost_at_once(index_url: str, tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from nbgate.production.index import open_url\n"
        "open_url(sys.argv[1], Path(sys.argv[2])).start(key='dead', name='job', rev=1, date='d', run_id='dead',\n"
        "    attempt=1, output='/o', source='s', source_sha256='x', parameters={})\n"
    )
    subprocess.run(
        [sys.executable, "-c", script, index_url, str(tmp_path)], check=True, timeout=120
    )
    index = _open(index_url, tmp_path)
    assert [r.run_id for r in index.list(Query(status=LOST))] == ["dead"]
    _start(index, "alive")  # this process is alive
    assert [r.run_id for r in index.list(Query(status=RUNNING))] == ["alive"]


def test_concurrent_writers_all_land(index_url: str, tmp_path: Path) -> None:
    """Eight processes each record 25 runs at once: no lost rows, no 'database is locked'.

    A generous lock timeout here: this tests the backend itself (``nbgate run`` uses
    ``run.index_timeout`` and spools past it, see the unreachable-index tests).
    """
    script = (
        "import sys; from pathlib import Path; from nbgate.production.index import open_url\n"
        "index = open_url(sys.argv[1], Path(sys.argv[2]), timeout=120.0)\n"
        "for i in range(25):\n"
        "    key = f'{sys.argv[3]}-{i}'\n"
        "    index.start(key=key, name='job', rev=1, date='d', run_id=key, attempt=1,\n"
        "                output=f'/o/{key}', source='s', source_sha256='x', parameters={})\n"
        "    index.finish(key, status='succeeded', duration=0.1)\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, index_url, str(tmp_path), f"p{n}"])
        for n in range(8)
    ]
    assert [p.wait(timeout=300) for p in procs] == [0] * 8
    records = _open(index_url, tmp_path).list()
    assert len(records) == 200 and len({r.key for r in records}) == 200
    assert {r.status for r in records} == {SUCCEEDED}


def _unreachable(
    index_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> tuple[RunIndex, object]:
    """Make the index unreachable: stop the PostgreSQL server, or hold the SQLite file's write lock."""
    if index_url.startswith("sqlite"):
        index = _open(index_url, tmp_path, timeout=0.5)
        _start(index, "before")
        holder = sqlite3.connect(index_url[len("sqlite:///") :], isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        return index, holder
    server: Server = request.getfixturevalue("pg_server")
    index = _open(index_url, tmp_path, timeout=2)
    _start(index, "before")
    server.stop()
    return index, server


def _reachable(handle: object) -> None:
    if isinstance(handle, sqlite3.Connection):
        handle.execute("ROLLBACK")
        handle.close()
    else:
        assert isinstance(handle, Server)
        handle.start()


def test_an_unreachable_index_spools_and_flush_loses_nothing(
    index_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    index, handle = _unreachable(index_url, tmp_path, request)
    notes: list[str] = []
    spool = Spool(tmp_path / "state" / "index-spool.jsonl")
    try:
        with pytest.raises(IndexUnavailable):
            index.heartbeat("key-job-before")
        recorder = Recorder(index, spool, notes.append)
        key = recorder.start(
            name="job",
            rev=1,
            date="d",
            run_id="during",
            attempt=1,
            output="/o/during",
            source="s",
            source_sha256="x",
            parameters={"note": "\ud800"},
        )
        recorder.heartbeat(key)
        recorder.finish(key, status=SUCCEEDED, duration=2.0)
        recorder.refused(name="job", rev=1, date="d", run_id="refused", error="paused")
        recorder.finish("key-job-before", status=FAILED, duration=1.0, error="boom")
        assert spool.pending() == 4
        with pytest.raises(IndexUnavailable):
            spool.flush(index)
        assert spool.pending() == 4  # nothing dropped by a failed flush
    finally:
        _reachable(handle)
    assert len(notes) == 1 and "waits in" in notes[0]
    assert spool.flush(index) == 4 and spool.pending() == 0 and not spool.path.exists()
    records = {r.run_id: r for r in index.list()}
    assert {k: (r.status, r.duration) for k, r in records.items()} == {
        "before": (FAILED, 1.0),
        "during": (SUCCEEDED, 2.0),
        "refused": (REFUSED, 0.0),
    }
    assert records["during"].parameters == {"note": "\ud800"}
    spool.append(
        "start",
        {
            **json.loads('{"key": "key-job-before"}'),
            "name": "job",
            "rev": 1,
            "date": "d",
            "run_id": "before",
            "attempt": 1,
            "output": "/out/job/before.ipynb",
            "source": "s",
            "source_sha256": "x",
            "parameters": {},
        },
    )
    assert spool.flush(index) == 1 and len(index.list()) == 3  # replaying a known key adds nothing


def test_schema_newer_than_this_nbgate_is_refused(index_url: str, tmp_path: Path) -> None:
    index = _open(index_url, tmp_path)
    _start(index, "r1")
    if index_url.startswith("sqlite"):
        path = index_url[len("sqlite:///") :]
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("PRAGMA user_version = 99")
        connection.close()
    else:
        import psycopg

        with psycopg.connect(index_url, autocommit=True) as server:
            server.execute("UPDATE nbgate_schema SET version = 99")
    fresh = _open(index_url, tmp_path)
    for call in (fresh.list, lambda: _start(fresh, "r2")):
        with pytest.raises(RunIndexError, match="schema 99 is newer than this nbgate"):
            call()


def test_an_unusable_sqlite_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "runs.db").write_text("not a database, just text that is long enough" * 50)
    with pytest.raises(RunIndexError, match=r"runs.db"):
        _open(f"sqlite:///{tmp_path / 'runs.db'}", tmp_path).list()
