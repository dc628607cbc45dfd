"""``nbgate run`` end to end: registry, real git, real kernels, the run index."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nbgate import notebook
from nbgate.cli.main import main
from nbgate.production.adapt import load_run_spec
from nbgate.production.index import FAILED, REFUSED, SUCCEEDED
from nbgate.production.runner import run_index
from testing import notebooks
from testing.production import Project, add_revision, default_cells, make_project, promote

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    made = make_project(tmp_path / "project")
    promote(made)
    monkeypatch.chdir(made.root)
    return made


def _injected(path: str | Path) -> list[str]:
    nb = notebook.read(path).nb
    [cell] = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    return "".join(cell["source"]).splitlines()[1:]


def test_run_succeeds_and_the_same_run_id_cannot_run_again(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["run", "job", "--date", "2024-05-01", "--param", "limit=7", "--run-id", "nightly-1"])
        == 0
    )
    out = capsys.readouterr().out
    output = project.root / ".nbgate/runs/job/2024-05-01/1-nightly-1.ipynb"
    assert "job rev 1 for 2024-05-01: succeeded in " in out
    assert out.rstrip().endswith(
        ": .nbgate/runs/job/2024-05-01/1-nightly-1.ipynb"
    )  # relative to the cwd
    assert _injected(output) == ['label = "prod"', 'run_date = "2024-05-01"', "limit = 7"]
    before = output.read_bytes()

    assert main(["run", "job", "--date", "2024-05-01", "--run-id", "nightly-1"]) == 4
    assert "never overwritten" in capsys.readouterr().err
    assert output.read_bytes() == before
    assert [r.status for r in run_index(project.config()).list()] == [REFUSED, SUCCEEDED]


def test_run_params_are_typed_by_their_defaults(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    # 'label' is a str default: True stays the text "True"; limit is an int default: " 9 " is 9
    assert (
        main(
            [
                "run",
                "job",
                "--date",
                "2024-05-01",
                "--param",
                "label=True",
                "--param",
                "limit= 9 ",
                "--run-id",
                "typed",
            ]
        )
        == 0
    )
    output = project.root / ".nbgate/runs/job/2024-05-01/1-typed.ipynb"
    assert _injected(output) == ['label = "True"', 'run_date = "2024-05-01"', "limit = 9"]


def test_a_failing_notebook_exits_1_and_points_to_its_output(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["run", "job", "--date", "2024-05-01", "--param", "limit=2", "--run-id", "bad"]) == 1
    )
    out = capsys.readouterr().out
    output = project.root / ".nbgate/runs/job/2024-05-01/1-bad.ipynb"
    assert "failed: cell 3 (In [4]): AssertionError: limit 2 is too small" in out
    assert (
        "output notebook (shows the failing cell): .nbgate/runs/job/2024-05-01/1-bad.ipynb" in out
    )
    assert output.is_file()
    [record] = run_index(project.config()).list(status=FAILED)
    assert record.output == str(output)


def test_rev_runs_an_older_revision(project: Project) -> None:
    add_revision(project.config(), "job", parameters={"label": "v2"})
    assert load_run_spec(project.config(), "job").parameters == {
        "label": "v2"
    }  # the newest by default
    assert main(["run", "job", "--rev", "1", "--date", "2024-05-01", "--run-id", "old"]) == 0
    assert (
        _injected(project.root / ".nbgate/runs/job/2024-05-01/1-old.ipynb")[0] == 'label = "prod"'
    )
    assert run_index(project.config()).list()[0].rev == 1


@pytest.mark.parametrize("action", ["pause", "retire"])
def test_paused_or_retired_schedules_are_refused(
    project: Project, action: str, capsys: pytest.CaptureFixture[str]
) -> None:
    add_revision(project.config(), "job", action=action)
    assert main(["run", "job", "--date", "2024-05-01"]) == 4
    state = {"pause": "paused", "retire": "retired"}[action]
    assert f"job is {state} (rev 2); only active schedules run" in capsys.readouterr().err
    assert main(["run", "job", "--rev", "1"]) == 4  # an older revision does not bypass the state
    assert not (project.root / ".nbgate/runs").exists()


def test_a_drifted_notebook_is_refused(
    project: Project,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deployed = tmp_path / "deployed"  # a checkout without .git: the file on disk is all there is
    shutil.copytree(project.root, deployed, ignore=shutil.ignore_patterns(".git"))
    cells = default_cells()
    cells[2] = notebooks.code("pass  # the check was removed after promotion")
    notebooks.write(deployed / "notebooks/job.ipynb", notebooks.make(cells))
    monkeypatch.chdir(deployed)
    assert main(["run", "job"]) == 4
    err = capsys.readouterr().err
    assert "refusing to run notebooks/job.ipynb" in err and "has drifted" in err
    assert not (deployed / ".nbgate/runs").exists()


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (
            ["run", "job", "--param", "nope=1"],
            2,
            "--param nope: not defined in the notebook's parameters cell (it defines: run_date, limit, label)",
        ),
        (
            ["run", "job", "--param", "limit=True"],
            2,
            "parameter 'limit': 'True' is not a valid int",
        ),
        (["run", "job", "--param", "run_date=2024-01-01"], 2, "give the logical date with --date"),
        (["run", "job", "--date", "01/02/2024"], 2, "--date '01/02/2024'"),
        (["run", "job", "--run-id", "../x"], 2, "--run-id '../x'"),
        (["run", "nosuch"], 1, "no schedule named 'nosuch'"),
        (["run", "job", "--rev", "9"], 1, "has no revision 9"),
    ],
)
def test_bad_requests(
    project: Project, capsys: pytest.CaptureFixture[str], argv: list[str], code: int, message: str
) -> None:
    assert main(argv) == code
    assert message in capsys.readouterr().err
    assert not (project.root / ".nbgate/runs").exists()


def test_four_concurrent_runs_are_all_indexed(project: Project) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "nbgate",
                "-q",
                "run",
                "job",
                "--date",
                "2024-05-01",
                "--run-id",
                f"parallel-{n}",
                "--param",
                f"limit={3 + n}",
            ],
            cwd=project.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(4)
    ]
    results = [(p.wait(timeout=300), p.stderr.read().decode() if p.stderr else "") for p in procs]
    assert [code for code, _ in results] == [0, 0, 0, 0], results
    if os.name == "posix":  # kernels on private Unix sockets: no port to race for, no TCP warning
        assert not [err for _, err in results if "without encryption" in err], results
    records = run_index(project.config()).list()
    assert sorted(r.run_id for r in records) == [f"parallel-{n}" for n in range(4)]
    assert {r.status for r in records} == {SUCCEEDED}
    for record in records:
        limit = record.parameters["limit"]
        assert Path(record.output or "").name == f"1-{record.run_id}.ipynb"
        assert f"limit = {limit}" in _injected(record.output or "")


@pytest.mark.parametrize("group", [False, True], ids=["process", "process-group"])
def test_sigterm_records_the_run_as_interrupted(tmp_path: Path, group: bool) -> None:
    """Airflow and Kubernetes stop a job with SIGTERM: the run is indexed and its output kept.

    A shell's job control or a container runtime signals the whole process group, the kernel too.
    """
    made = make_project(
        tmp_path / "p",
        [
            notebooks.code("x = 1", tags=["parameters"]),
            notebooks.code("import time\ntime.sleep(60)"),
        ],
    )
    promote(made, parameters={})
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "nbgate", "run", "job", "--run-id", "stopped"],
        cwd=made.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=group,
    )
    index = run_index(made.config())
    deadline = time.monotonic() + 60
    while not index.list() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)  # let the kernel start
    if group:
        os.killpg(proc.pid, signal.SIGTERM)
    else:
        proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 130
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    # one line, no traceback (the kernel's ZMQError, "Task exception was never retrieved")
    assert stderr.strip().splitlines() == ["error: interrupted (SIGTERM)"], stderr
    [record] = index.list()
    assert (record.status, record.error) == (FAILED, "interrupted (SIGTERM)")
    assert Path(record.output or "").is_file()


def test_the_demo_schedule_runs_and_exports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """fixtures/demo's promoted daily-sales runs (from a copy without git: the identical file) and exports."""
    demo = tmp_path / "demo"
    shutil.copytree(
        REPO / "fixtures" / "demo", demo, ignore=shutil.ignore_patterns(".nbgate", "output")
    )
    monkeypatch.chdir(demo)
    assert main(["run", "daily-sales", "--date", "2024-05-01", "--run-id", "demo"]) == 0
    output = demo / ".nbgate/runs/daily-sales/2024-05-01/1-demo.ipynb"
    stdout = "".join(
        "".join(o.get("text", ""))
        for c in notebook.read(output).nb["cells"]
        for o in c.get("outputs", [])
    )
    assert stdout.startswith("2024-05-01 eu: ")
    assert (
        demo / "notebooks/output/sales-eu-2024-05-01.csv"
    ).is_file()  # ran in the notebook's folder
    capsys.readouterr()
    assert main(["export", "cron", "--allow-defaults"]) == 0
    crontab = capsys.readouterr().out
    assert (
        "CRON_TZ=Europe/Berlin\n0 6 * * * cd " in crontab
        and "nbgate run daily-sales --date today" in crontab
    )


def test_sigterm_while_the_kernel_boots_kills_it_and_prints_one_line(tmp_path: Path) -> None:
    """Issue 18.14: the kernel still booting was left behind and printed a ZMQError traceback."""
    import json

    pidfile = tmp_path / "kernel.pid"
    boot = (
        f"import os, time; open({str(pidfile)!r}, 'w').write(str(os.getpid())); time.sleep(6); "
        "from ipykernel.kernelapp import launch_new_instance; launch_new_instance()"
    )
    spec = (
        tmp_path / "jupyter" / "kernels" / "python3" / "kernel.json"
    )  # JUPYTER_PATH wins: a slow python3
    spec.parent.mkdir(parents=True)
    spec.write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-c", boot, "-f", "{connection_file}"],
                "display_name": "slow",
                "language": "python",
            }
        )
    )
    made = make_project(
        tmp_path / "p", [notebooks.code("x = 1", tags=["parameters"]), notebooks.code("x")]
    )
    promote(made, parameters={})
    env = {
        **os.environ,
        "JUPYTER_PATH": str(tmp_path / "jupyter"),
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "nbgate", "run", "job", "--run-id", "boot"],
        cwd=made.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pidfile.exists(), "the kernel never started"
    proc.send_signal(signal.SIGTERM)
    started = time.monotonic()
    assert proc.wait(timeout=60) == 130
    stderr = (
        proc.stderr.read().decode() if proc.stderr else ""
    )  # EOF only once the kernel let go of it too
    assert time.monotonic() - started < 5, "the booting kernel kept running"
    assert stderr.strip().splitlines() == ["error: interrupted (SIGTERM)"], stderr
    pid = int(pidfile.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    [record] = run_index(made.config()).list()
    assert (record.status, record.error) == (FAILED, "interrupted (SIGTERM)")
