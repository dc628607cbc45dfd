from __future__ import annotations

from pathlib import Path

import pytest

from nbgate.cli import main as main_module
from nbgate.registry import store
from testing import notebooks
from testing.registry import PARAMS_SOURCE, Project, promotable_notebook, write_evidence

DAILY = ["promote", "reports/daily.ipynb", "--name", "daily", "--schedule", "0 6 * * 1-5", "--yes"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    made = Project(tmp_path / "repo")
    monkeypatch.chdir(made.root)
    return made


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main_module.main(["--color", "never", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def revisions(project: Project, name: str = "daily") -> list[Path]:
    return sorted((project.root / "registry" / name).glob("*.yaml"))


def test_promotes_a_clean_tested_notebook(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        *DAILY,
        "--timezone",
        "Europe/Berlin",
        "--param",
        "limit=5",
        "--param",
        "region=eu",
        "--param",
        "ratio=2",
        "--owner",
        "team@example.com",
        "--retries",
        "2",
        "--timeout",
        "900",
        "--output",
        "s3://bucket/{name}/{date}.ipynb",
    )
    assert code == 0, err
    assert "promoted reports/daily.ipynb as 'daily': revision 1 (registry/daily/0001.yaml)" in out
    [path] = revisions(project)
    revision = store.read_revision(path).revision
    assert revision.notebook == "reports/daily.ipynb"
    assert revision.source_sha256 == project.sha
    assert revision.commit == project.commit
    assert revision.parameters == {"limit": 5, "region": "eu", "ratio": 2.0}
    assert isinstance(revision.parameters["ratio"], float)
    assert revision.timezone == "Europe/Berlin"
    assert revision.owners == ("team@example.com",)
    assert revision.execution.retries == 2 and revision.execution.timeout == 900.0
    assert revision.output == "s3://bucket/{name}/{date}.ipynb"
    assert (
        revision.evidence["source_sha256"] == project.sha
        and revision.evidence["outcome"] == "passed"
    )
    assert revision.promoted_by == "nbgate tests <test@example.com>"
    assert revision.previous_sha256 is None and revision.action == "promote"


def test_second_promotion_chains_shows_the_diff_and_keeps_settings(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, *DAILY, "--param", "limit=5")[0] == 0
    project.edit("print(region, limit * 2)")
    code, out, err = run(capsys, "promote", "reports/daily.ipynb", "--name", "daily", "--yes")
    assert code == 0, err
    assert "-print(region, limit)" in out and "+print(region, limit * 2)" in out
    first, second = (store.read_revision(p) for p in revisions(project))
    assert second.revision.previous_sha256 == first.sha256
    assert second.revision.schedule == "0 6 * * 1-5" and second.revision.parameters == {"limit": 5}
    assert second.revision.source_sha256 == project.sha != first.revision.source_sha256


def test_same_content_and_settings_is_a_no_op(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, *DAILY)[0] == 0
    code, out, _ = run(capsys, *DAILY)
    assert code == 0 and "nothing to promote" in out
    assert len(revisions(project)) == 1
    code, out, _ = run(capsys, *DAILY[:-2], "0 7 * * *", "--yes")
    assert (
        code == 0
        and "schedule: '0 6 * * 1-5' -> '0 7 * * *'" in out
        and "notebook source unchanged" in out
    )
    assert len(revisions(project)) == 2


def _refusal(capsys: pytest.CaptureFixture[str], project: Project, *extra: str) -> str:
    code, out, err = run(capsys, *DAILY, *extra)
    assert code == 4, (out, err)
    assert not (project.root / "registry").exists()
    return err


@pytest.mark.parametrize(
    ("setup", "extra", "reason"),
    [
        ("untracked", (), "it is not tracked by git"),
        ("staged", (), "it has staged changes that are not committed"),
        ("unstaged", (), "it has unstaged changes"),
        ("outputs", (), "it is not strip-clean"),
        ("lint", (), "lint fails: "),
        ("no-evidence", (), "the ledger has no test evidence for its exact content"),
        (
            "failed-evidence",
            (),
            "its latest smoke test at this exact content did not pass (outcome 'failed'",
        ),
        ("corrupt-evidence", (), "its evidence cannot be used"),
        (
            "none",
            ("--param", "typo=1"),
            (
                "parameter 'typo' is not defined in the parameters cell (it defines: flags, "
                "limit, ratio, region)"
            ),
        ),
        (
            "no-parameters-cell",
            ("--param", "limit=1"),
            "the notebook has no cell tagged 'parameters'",
        ),
    ],
)
def test_every_refusal_reason(
    project: Project,
    capsys: pytest.CaptureFixture[str],
    setup: str,
    extra: tuple[str, ...],
    reason: str,
) -> None:
    nb_path = project.notebook
    if setup == "untracked":
        nb_path = notebooks.write(project.root / "reports" / "new.ipynb", promotable_notebook())
        project.add_evidence(path=nb_path)
        code, _, err = run(
            capsys,
            "promote",
            "reports/new.ipynb",
            "--name",
            "daily",
            "--schedule",
            "0 6 * * *",
            "--yes",
            *extra,
        )
        assert code == 4 and reason in err
        return
    if setup == "staged":
        project.edit("print('staged')", commit=False)
        project.repo.git("add", "-A")
        project.add_evidence()
    elif setup == "unstaged":
        project.edit("print('unstaged')", commit=False)
        project.add_evidence()
    elif setup == "outputs":
        nb = promotable_notebook()
        nb["cells"][2] = notebooks.code(
            "print(region, limit)", outputs=[notebooks.stream("eu 10\n")], execution_count=1
        )
        notebooks.write(nb_path, nb)
        project.repo.commit_all("outputs")
    elif setup == "lint":
        project.edit("answer = input('continue?')")
    elif setup == "no-evidence":
        project.edit("print('untested')", commit=False)
        project.repo.commit_all("untested")
    elif setup == "failed-evidence":
        project.add_evidence(outcome="failed")
    elif setup == "corrupt-evidence":
        (project.root / ".nbgate" / "evidence" / f"{project.sha}.json").write_text("{not json")
    elif setup == "no-parameters-cell":
        notebooks.write(nb_path, notebooks.make([notebooks.code("print(1)")]))
        project.repo.commit_all("no parameters cell")
        project.add_evidence()
    err = _refusal(capsys, project, *extra)
    assert reason in err
    assert "refusing to promote reports/" in err


def test_sync_must_pass_when_twins_are_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = Project(tmp_path / "repo", pyproject="[tool.nbgate]\n")
    monkeypatch.chdir(project.root)
    err = _refusal(capsys, project)
    assert "sync fails: " in err and "daily.py" in err
    assert main_module.main(["sync"]) == 0
    project.repo.commit_all("twin")
    assert run(capsys, *DAILY)[0] == 0


def test_a_refusal_lists_every_unmet_condition(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    nb = promotable_notebook("answer = input('?')")
    nb["cells"][2]["outputs"] = [notebooks.stream("x\n")]
    nb["cells"][2]["execution_count"] = 3
    notebooks.write(project.notebook, nb)
    err = _refusal(capsys, project, "--param", "nope=1")
    assert "(5 unmet conditions)" in err
    for reason in (
        "unstaged changes",
        "not strip-clean",
        "lint fails",
        "no test evidence",
        "'nope' is not defined",
    ):
        assert reason in err
    assert err.count("\n  - ") == 5


@pytest.mark.parametrize("name", ["..", "../escape", "/etc", "a/b", "Daily", "x" * 64, ""])
def test_path_traversal_names_are_refused(
    project: Project, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    code, _, err = run(
        capsys, "promote", "reports/daily.ipynb", "--name", name, "--schedule", "0 6 * * *", "--yes"
    )
    assert code == 2 and "invalid schedule name" in err
    assert not (project.root / "registry").exists()
    assert not (project.root / "escape").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--schedule", "0 25 * * *"], "hour: 25 is outside 0-23"),
        (["--schedule", "@daily"], "must have 5 fields"),
        (["--schedule", "0 6 * * *", "--timezone", "Mars/Base"], "unknown timezone 'Mars/Base'"),
        ([], "--schedule is required for a new schedule"),
        (["--schedule", "0 6 * * *", "--param", "1x=2"], "expected NAME=VALUE"),
        # a value that cannot take its default's type names the parameter, the type and the value
        (
            ["--schedule", "0 6 * * *", "--param", "limit=ten"],
            "parameter 'limit': 'ten' is not a valid int (its default in the parameters cell is 10)",
        ),
        (
            ["--schedule", "0 6 * * *", "--param", "flags=true"],
            "parameter 'flags': 'true' is not a valid list",
        ),
        (
            ["--schedule", "0 6 * * *", "--param", "ratio=[1]"],
            "parameter 'ratio': '[1]' is not a valid float",
        ),
    ],
)
def test_usage_errors(
    project: Project, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(capsys, "promote", "reports/daily.ipynb", "--name", "daily", "--yes", *args)
    assert code == 2 and message in err
    assert not (project.root / "registry").exists()


def test_without_a_terminal_it_needs_yes(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, *DAILY[:-1])
    assert code == 2 and "pass --yes" in err
    assert not (project.root / "registry").exists()


def test_a_retired_schedule_cannot_be_promoted_again(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, *DAILY)[0] == 0
    assert run(capsys, "registry", "retire", "daily", "--yes")[0] == 0
    project.edit("print('new')")
    code, _, err = run(capsys, *DAILY)
    assert code == 4 and "schedule 'daily' is retired; promote under a new name" in err


def test_paused_schedule_promoted_again_becomes_active(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, *DAILY)[0] == 0
    assert run(capsys, "registry", "pause", "daily")[0] == 0
    code, out, _ = run(capsys, *DAILY)
    assert code == 0 and "state: paused -> active" in out
    assert store.load_schedule(project.config, "daily").state == "active"


def test_parameters_cell_types(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert PARAMS_SOURCE.startswith('region = "us"')
    code, _, err = run(
        capsys, *DAILY, "--param", "region=10", "--param", 'flags=["a"]', "--param", "ratio=1e3"
    )
    assert code == 0, err
    revision = store.read_revision(revisions(project)[0]).revision
    assert revision.parameters == {"region": "10", "flags": ["a"], "ratio": 1000.0}


def test_run_tests_executes_the_smoke_test_when_evidence_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = Project(tmp_path / "repo", evidence=False)
    monkeypatch.chdir(project.root)
    err = _refusal(capsys, project)
    assert "no test evidence" in err
    code, out, err = run(capsys, *DAILY, "--run-tests")
    assert code == 0, (out, err)
    revision = store.read_revision(revisions(project)[0]).revision
    assert (
        revision.evidence["outcome"] == "passed"
        and revision.evidence["source_sha256"] == project.sha
    )
    assert revision.evidence["duration"] > 0 and revision.evidence["time"] != "2024-05-01T06:00:00Z"


def test_evidence_is_for_the_exact_content(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.edit("print('changed')", commit=False)
    project.repo.commit_all("changed")
    write_evidence(project.root / ".nbgate", "0" * 64)  # evidence for something else does not count
    err = _refusal(capsys, project)
    assert project.sha[:12] in err
