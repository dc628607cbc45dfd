"""``nbgate run`` and its index under failure: kills, an unreachable or locked index, a full disk.

Real parts: real kernels, real git, a real PostgreSQL server (``index_url``),
a real tmpfs mount for the full disk.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from nbgate import config as config_module
from nbgate.cli.main import main
from nbgate.production.index import FAILED, SUCCEEDED, open_index, spool
from testing import notebooks
from testing.postgres import Server
from testing.production import Project, make_project, promote

REPO = Path(__file__).resolve().parents[2]


def _env(url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        "NBGATE_RUN_INDEX_URL": url,
        **extra,
    }


def _project(root: Path, cells: list[str], pyproject: str = "") -> Project:
    made = make_project(
        root,
        [notebooks.code("x = 1", tags=["parameters"]), *(notebooks.code(c) for c in cells)],
        pyproject=pyproject,
    )
    promote(made, parameters={})
    return made


def _runs(root: Path, url: str, *args: str) -> list[dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-m", "nbgate", "runs", "--format", "json", *args],
        cwd=root,
        env=_env(url),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return list(json.loads(done.stdout))


def test_a_sigkilled_run_is_lost_for_every_reader_after_its_heartbeat_window(
    tmp_path: Path, index_url: str
) -> None:
    made = _project(
        tmp_path / "p",
        ["import time\ntime.sleep(120)"],
        pyproject="[tool.nbgate.run]\nheartbeat = 0.3\nlost_after = 5\n",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "nbgate", "run", "job", "--run-id", "victim"],
        cwd=made.root,
        env=_env(index_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not _runs(made.root, index_url) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3.0)  # twice the 1.5 s window: only heartbeats keep it "running"
        [alive] = _runs(made.root, index_url)
        assert alive["status"] == "running" and str(alive["heartbeat"]) > str(alive["started"])
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    time.sleep(2.0)
    [lost] = _runs(made.root, index_url, "--status", "lost")
    assert (lost["run_id"], lost["status"]) == ("victim", "lost")
    assert _runs(made.root, index_url, "--status", "running") == []


@contextmanager
def _down(index_url: str, request: pytest.FixtureRequest) -> Iterator[None]:
    """The index unreachable inside the block: PostgreSQL stopped, or the SQLite file write-locked."""
    if index_url.startswith("sqlite"):
        path = Path(index_url[len("sqlite:///") :])
        path.parent.mkdir(parents=True, exist_ok=True)
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("PRAGMA journal_mode = WAL")
        holder.execute("CREATE TABLE IF NOT EXISTS held (x)")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("INSERT INTO held VALUES (1)")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    server: Server = request.getfixturevalue("pg_server")
    server.stop()
    try:
        yield
    finally:
        server.start()


def test_an_unreachable_index_never_stops_a_run(
    tmp_path: Path,
    index_url: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """18.6 and 15.6: a locked SQLite file or a stopped server; the run executes, its rows wait in the spool."""
    made = _project(
        tmp_path / "p", ['print("ran")'], pyproject="[tool.nbgate.run]\nindex_timeout = 1\n"
    )
    monkeypatch.chdir(made.root)
    monkeypatch.setenv("NBGATE_RUN_INDEX_URL", index_url)
    config = config_module.load(made.root)
    with _down(index_url, request):
        started = time.monotonic()
        assert main(["run", "job", "--date", "2024-05-01", "--run-id", "ok"]) == 0
        assert main(["run", "job", "--date", "2024-05-01", "--run-id", "second"]) == 0
        assert time.monotonic() - started < 60  # not the old 61 s wait per write
        captured = capsys.readouterr()
        assert "run index unavailable" in captured.out and "index-spool.jsonl" in captured.out
        assert (
            spool(config).pending() == 4
        )  # two starts and two finishes, kept while the index is down
    output = made.root / ".nbgate/runs/job/2024-05-01/1-ok.ipynb"
    assert "ran" in output.read_text()
    assert main(["runs", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "4 spooled record(s) written" in captured.err
    records = {r["run_id"]: r for r in json.loads(captured.out)}
    assert {k: r["status"] for k, r in records.items()} == {"ok": SUCCEEDED, "second": SUCCEEDED}
    assert records["ok"]["output"] == str(output)
    assert spool(config).pending() == 0 and len(open_index(config).list()) == 2


FULL = "tmpfs"


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 256 KiB filesystem (tmpfs; needs root, which the test machines and CI containers have)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    subprocess.run(["mount", "-t", FULL, "-o", "size=256k", FULL, str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_fails_the_run_cleanly_and_leaves_no_misleading_file(
    tmp_path: Path,
    tiny_disk: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the placeholder (a few KiB) fits; the executed notebook (600 KB of output) does not
    made = _project(
        tmp_path / "p",
        ['print("y" * 600_000)'],
        pyproject=f'[tool.nbgate.run]\noutput = "{tiny_disk}/{{name}}-{{run_id}}.ipynb"\n',
    )
    monkeypatch.chdir(made.root)
    assert main(["run", "job", "--run-id", "big"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert (
        f"{tiny_disk}/job-big.ipynb: cannot write the output notebook: No space left on device"
        in captured.out
    )
    assert "no output notebook was kept" in captured.out
    assert list(tiny_disk.iterdir()) == []  # neither the placeholder nor a temporary file
    [record] = open_index(made.config()).list()
    assert (record.status, record.output) == (FAILED, None)
    assert "No space left on device" in (record.error or "")
    # the run id is free again once there is room
    monkeypatch.setenv("NBGATE_RUN_OUTPUT", str(tmp_path / "roomy" / "{name}-{run_id}.ipynb"))
    assert main(["run", "job", "--run-id", "big"]) == 0


def test_no_room_even_for_the_placeholder(
    tmp_path: Path,
    tiny_disk: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    made = _project(
        tmp_path / "p",
        ['print("ran")'],
        pyproject=f'[tool.nbgate.run]\noutput = "{tiny_disk}/{{name}}-{{run_id}}.ipynb"\n',
    )
    filler = tiny_disk / "filler"
    with pytest.raises(OSError), filler.open("wb") as handle:
        while True:
            handle.write(b"x" * 4096)
    monkeypatch.chdir(made.root)
    assert main(["run", "job", "--run-id", "r"]) == 1
    captured = capsys.readouterr()
    assert "cannot create the output notebook: No space left on device" in captured.err
    assert "Traceback" not in captured.err and len(captured.err.strip().splitlines()) == 1
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler"]  # no 0-byte record
    [record] = open_index(made.config()).list()
    assert (record.status, record.output) == (FAILED, None)


def test_a_lone_surrogate_parameter_is_refused_before_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # a default of None takes JSON, so '"\\ud800"' is a lone surrogate (a str default would keep the text as is)
    made = make_project(
        tmp_path / "p",
        [notebooks.code("x = None", tags=["parameters"]), notebooks.code('print("ran")')],
    )
    promote(made, parameters={})
    monkeypatch.chdir(made.root)
    assert main(["run", "job", "--run-id", "s", "--param", 'x="\\ud800"']) == 2
    err = capsys.readouterr().err
    assert "parameter x: holds a lone surrogate" in err and "Traceback" not in err
    assert not (made.root / ".nbgate" / "runs").exists()
    assert open_index(made.config()).list() == []
    assert main(["run", "job", "--run-id", "s"]) == 0  # the run id was not used up
