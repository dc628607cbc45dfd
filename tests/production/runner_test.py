"""``nbgate.production.runner`` with real kernels, real git and a real S3 server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from nbgate import notebook
from nbgate.errors import ExecutionError, GateError
from nbgate.identity import source_sha256
from nbgate.production.index import FAILED, REFUSED, SUCCEEDED
from nbgate.production.runner import run, run_index
from testing import notebooks
from testing.production import Project, default_cells, make_project
from testing.s3 import S3Server


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path / "project")


def _injected(nb: dict[str, Any]) -> str:
    [cell] = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    return "".join(cell["source"])


def _stdout(nb: dict[str, Any]) -> str:
    return "".join(
        "".join(o.get("text", ""))
        for c in nb["cells"]
        for o in c.get("outputs", [])
        if o.get("output_type") == "stream"
    )


def test_a_run_writes_its_output_and_indexes_it(project: Project) -> None:
    notes: list[str] = []
    result = run(
        project.config(),
        project.spec(),
        date="2024-03-01",
        params={"limit": 4},
        run_id="first",
        progress=notes.append,
    )
    assert result.ok and result.error is None and result.attempts == 1
    expected = project.root / ".nbgate/runs/job/2024-03-01/1-first.ipynb"
    assert result.output == str(expected)
    out = notebook.read(expected).nb
    # production parameters < --param, plus the logical date as run_date
    assert _injected(out).splitlines()[1:] == [
        'label = "prod"',
        'run_date = "2024-03-01"',
        "limit = 4",
    ]
    assert _stdout(out) == "date=2024-03-01 limit=4 label=prod\n"
    assert (
        source_sha256(out) == project.spec().source_sha256
    )  # the output is of the promoted notebook
    assert out["metadata"]["nbgate"]["run"]["source"] == f"git:{project.commit}"
    [record] = run_index(project.config()).list()
    assert (record.status, record.output, record.run_id, record.date) == (
        SUCCEEDED,
        str(expected),
        "first",
        "2024-03-01",
    )
    assert record.parameters == {"run_date": "2024-03-01", "label": "prod", "limit": 4}
    assert notes == [f"job rev 1 for 2024-03-01: run first -> {expected}"]


def test_a_second_run_with_the_same_run_id_cannot_overwrite(project: Project) -> None:
    config = project.config()
    output = project.root / ".nbgate/runs/job/2024-03-01/1-same.ipynb"
    output.parent.mkdir(parents=True)
    output.write_text("an earlier run's record")
    with pytest.raises(GateError, match="already exists; outputs are never overwritten"):
        run(config, project.spec(), date="2024-03-01", run_id="same")
    assert output.read_text() == "an earlier run's record"
    [record] = run_index(config).list()
    assert record.status == REFUSED and "never overwritten" in (record.error or "")


def test_the_index_refuses_an_output_claimed_by_an_earlier_run(project: Project) -> None:
    config = project.config()
    run_index(config).start(
        key="earlier",
        name="job",
        rev=1,
        date="2024-03-01",
        run_id="same",
        attempt=1,
        output=str(project.root / ".nbgate/runs/job/2024-03-01/1-same.ipynb"),
        source="worktree",
        source_sha256="x",
        parameters={},
    )
    with pytest.raises(GateError, match="already written by an earlier run"):
        run(config, project.spec(), date="2024-03-01", run_id="same")
    assert not (project.root / ".nbgate/runs/job/2024-03-01/1-same.ipynb").exists()


def test_a_moved_on_working_tree_still_runs_the_promoted_content(project: Project) -> None:
    cells = default_cells()
    cells[1] = notebooks.code('print("edited after promotion")')
    notebooks.write(project.notebook, notebooks.make(cells))
    notes: list[str] = []
    result = run(project.config(), project.spec(), date="2024-03-01", progress=notes.append)
    assert result.ok
    assert _stdout(notebook.read(result.output).nb) == "date=2024-03-01 limit=5 label=prod\n"
    assert "differs from the promoted notebook" in notes[0]


def _deploy_without_git(project: Project, target: Path) -> Project:
    shutil.copytree(project.root, target, ignore=shutil.ignore_patterns(".git"))
    return project._replace(root=target, notebook=target / "notebooks" / "job.ipynb")


def test_without_git_the_identical_working_tree_file_runs(project: Project, tmp_path: Path) -> None:
    deployed = _deploy_without_git(project, tmp_path / "deployed")
    result = run(deployed.config(), deployed.spec(), date="2024-03-01")
    assert result.ok
    assert run_index(deployed.config()).list()[0].source == "worktree"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("drift", "the working-tree file has drifted"),
        ("missing", "the working-tree file is missing"),
        ("wrong-hash", "at commit .* has source_sha256 .*, not the revision's"),
    ],
)
def test_a_notebook_that_is_not_the_promoted_one_is_refused(
    project: Project, tmp_path: Path, change: str, message: str
) -> None:
    spec = project.spec()
    if change == "wrong-hash":  # git has the file at the commit, but not the promoted content
        spec = spec._replace(source_sha256="f" * 64)
    else:  # a deployment without .git: the working-tree file is all there is
        project = _deploy_without_git(project, tmp_path / "deployed")
        if change == "drift":
            cells = default_cells()
            cells[2] = notebooks.code("assert True  # checks removed in production")
            notebooks.write(project.notebook, notebooks.make(cells))
        else:
            project.notebook.unlink()
    with pytest.raises(
        GateError, match=f"refusing to run notebooks/job.ipynb: .*{message}"
    ) as caught:
        run(project.config(), spec, date="2024-03-01")
    assert caught.value.exit_code == 4
    [record] = run_index(project.config()).list()
    assert record.status == REFUSED and record.output is None
    assert not (project.root / ".nbgate/runs").exists()


@pytest.mark.parametrize("state", ["paused", "retired"])
def test_paused_and_retired_schedules_are_refused(project: Project, state: str) -> None:
    with pytest.raises(GateError, match=f"job is {state} \\(rev 1\\); only active schedules run"):
        run(project.config(), project.spec(state=state), date="2024-03-01")
    assert run_index(project.config()).list()[0].status == REFUSED


def test_a_failing_notebook_keeps_its_output_and_is_indexed(project: Project) -> None:
    result = run(
        project.config(), project.spec(), date="2024-03-01", params={"limit": 1}, run_id="bad"
    )
    assert not result.ok
    assert result.error == "cell 3 (In [4]): AssertionError: limit 1 is too small"
    out = notebook.read(result.output).nb
    markers = [
        c for c in out["cells"] if "papermill-error-cell-tag" in c["metadata"].get("tags", [])
    ]
    assert len(markers) == 2  # papermill's banner at the top and the anchor above the failing cell
    [failed] = [
        c
        for c in out["cells"]
        if any(o.get("output_type") == "error" for o in c.get("outputs", []))
    ]
    assert "".join(failed["source"]).startswith("assert limit >= 3")
    [record] = run_index(project.config()).list(status=FAILED)
    assert (record.output, record.error) == (result.output, result.error)


# Margins for a loaded machine: the quick cells before the slow ones (parameters, papermill's injected
# cell) take far less than any limit, so the timeout can only land in a sleeping cell; the sleeps add up
# to well over the whole-notebook limit while each stays far under the per-cell one.
@pytest.mark.parametrize(
    ("cells", "limits", "message"),
    [
        (
            ["import time\ntime.sleep(60)"],
            {"cell_timeout": 4.0},
            "the cell exceeded its timeout of 4 s",
        ),
        (
            ["import time\ntime.sleep(2)"] * 6,
            {"timeout": 5.0, "cell_timeout": 60.0},
            "the notebook exceeded its whole-notebook timeout of 5 s",
        ),
    ],
)
def test_timeouts_fail_the_run_and_mark_the_cell(
    tmp_path: Path, cells: list[str], limits: dict[str, float], message: str
) -> None:
    project = make_project(
        tmp_path / "p",
        [notebooks.code("x = 1", tags=["parameters"]), *(notebooks.code(c) for c in cells)],
    )
    result = run(project.config(), project.spec(parameters={}, **limits), date="2024-03-01")
    assert not result.ok
    assert result.error is not None and result.error.endswith(f"CellTimeoutError: {message}")
    out = notebook.read(result.output).nb
    [cell] = [c for c in out["cells"] if c["metadata"].get("papermill", {}).get("exception")]
    assert (
        "time.sleep" in "".join(cell["source"])
        and cell["metadata"]["papermill"]["status"] == "failed"
    )
    # nbclient may first record the KeyboardInterrupt of its own clean-up; ours comes last
    assert cell["outputs"][-1]["evalue"] == message


def test_an_expected_error_does_not_fail_the_run_and_the_real_one_is_named(tmp_path: Path) -> None:
    """raises-exception cells may raise (nbclient's tag), as in the smoke run: one attribution module."""
    cells = [
        notebooks.code("x = 1", tags=["parameters"]),
        notebooks.code("raise ValueError('expected')", tags=["raises-exception"]),
        notebooks.code("print('after')"),
    ]
    project = make_project(tmp_path / "p", cells)
    result = run(project.config(), project.spec(parameters={}), date="2024-03-01", run_id="ok")
    assert result.ok, result.error
    assert "after" in _stdout(notebook.read(result.output).nb)
    nbval = make_project(
        tmp_path / "n", [cells[0], notebooks.code("# NBVAL_RAISES_EXCEPTION\n1 / 0"), cells[2]]
    )
    result = run(nbval.config(), nbval.spec(parameters={}), date="2024-03-01", run_id="nbval")
    assert not result.ok and result.error == "cell 2 (In [2]): ZeroDivisionError: division by zero"
    failing = make_project(
        tmp_path / "q", [*cells, notebooks.code("y = 2\nraise KeyError('real')")]
    )
    result = run(failing.config(), failing.spec(parameters={}), date="2024-03-01", run_id="bad")
    assert not result.ok and result.error == "cell 4 (In [4]): KeyError: 'real'"


def test_retries_keep_every_attempt(tmp_path: Path) -> None:
    # fails on the first attempt only: the marker file survives in the notebook's folder
    flaky = (
        'import pathlib\nfirst = not pathlib.Path("tried").exists()\npathlib.Path("tried").touch()\n'
        'assert not first, "first attempt fails"'
    )
    project = make_project(
        tmp_path / "p", [notebooks.code("x = 1", tags=["parameters"]), notebooks.code(flaky)]
    )
    slept: list[float] = []
    result = run(
        project.config(),
        project.spec(parameters={}, retries=2, retry_delay=7.0),
        date="2024-03-01",
        run_id="r",
        sleep=slept.append,
    )
    assert result.ok and result.attempts == 2 and result.run_id == "r-retry1"
    assert slept == [7.0]
    records = run_index(project.config()).list()
    assert [(r.run_id, r.attempt, r.status) for r in records] == [
        ("r-retry1", 2, SUCCEEDED),
        ("r", 1, FAILED),
    ]
    assert all(Path(r.output or "").is_file() for r in records)


def test_retries_can_be_turned_off(project: Project) -> None:
    result = run(
        project.config(), project.spec(retries=3), date="2024-03-01", params={"limit": 0}, retries=0
    )
    assert not result.ok and result.attempts == 1


def test_an_unknown_kernel_fails_without_a_kernel(project: Project) -> None:
    result = run(project.config(), project.spec(kernel="no-such-kernel"), date="2024-03-01")
    assert not result.ok
    assert result.error is not None and result.error.startswith(
        "kernel 'no-such-kernel' could not run"
    )
    assert Path(result.output).is_file()


def test_output_to_s3(project: Project, s3: S3Server) -> None:
    spec = project.spec(output="s3://runs/{name}/{date}/{rev}-{run_id}.ipynb")
    result = run(project.config(), spec, date="2024-03-01", run_id="s3run")
    assert result.ok and result.output == "s3://runs/job/2024-03-01/1-s3run.ipynb"
    body = s3.client().get_object(Bucket="runs", Key="job/2024-03-01/1-s3run.ipynb")["Body"].read()
    out = json.loads(body)
    assert _stdout(out) == "date=2024-03-01 limit=5 label=prod\n"
    assert out["metadata"]["papermill"]["output_path"] == result.output
    # a fresh index (another machine) still cannot overwrite it: the object exists
    (project.root / ".nbgate/runs.db").unlink()
    with pytest.raises(GateError, match=r"s3://runs/job/2024-03-01/1-s3run.ipynb: already exists"):
        run(project.config(), spec, date="2024-03-01", run_id="s3run")
    again = s3.client().get_object(Bucket="runs", Key="job/2024-03-01/1-s3run.ipynb")["Body"].read()
    assert again == body


def test_an_unwritable_output_fails_before_the_kernel_and_is_indexed(
    project: Project, s3: S3Server
) -> None:
    spec = project.spec(output="s3://no-such-bucket/{name}/{run_id}.ipynb")
    with pytest.raises(ExecutionError, match="no-such-bucket"):
        run(project.config(), spec, date="2024-03-01", run_id="nowhere")
    [record] = run_index(project.config()).list()
    # nothing was written, so the output name is released (the run id can be used again)
    assert (record.status, record.output) == (FAILED, None)
    assert "s3://no-such-bucket/job/nowhere.ipynb: cannot write the output notebook" in (
        record.error or ""
    )
