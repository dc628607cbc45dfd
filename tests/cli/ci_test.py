"""``nbgate ci`` for real: git repositories in tmp_path, GitHub's files in tmp_path, one real smoke run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nbgate.ci.base import find_base
from nbgate.cli.main import main
from testing import notebooks as nbs
from testing.git import Repo

NO_TWINS = "[tool.nbgate]\n[tool.nbgate.sync]\nenabled = false\n"


def _nb(*sources: str, outputs: bool = False, parameters: bool = True) -> dict[str, Any]:
    cells = [nbs.code("n = 1", tags=["parameters"])] if parameters else []
    cells += [
        nbs.code(
            s,
            outputs=[nbs.stream("out\n")] if outputs else None,
            execution_count=1 if outputs else None,
        )
        for s in sources
    ]
    return nbs.make(cells)


class GitHub:
    """The files and variables GitHub Actions gives a step, all under tmp_path."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        folder.mkdir()
        self.summary = folder / "summary.md"
        self.output = folder / "output.txt"
        self.event = folder / "event.json"
        self.summary.write_text("")
        self.output.write_text("")
        self.monkeypatch = monkeypatch
        for name, value in {
            "GITHUB_ACTIONS": "true",
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_OUTPUT": str(self.output),
            "GITHUB_EVENT_PATH": str(self.event),
        }.items():
            monkeypatch.setenv(name, value)

    def pull_request(self, base_ref: str, base_sha: str) -> None:
        """A pull_request event against ``base_ref``."""
        self.monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
        self.monkeypatch.setenv("GITHUB_BASE_REF", base_ref)
        self.event.write_text(
            json.dumps({"pull_request": {"base": {"ref": base_ref, "sha": base_sha}}})
        )

    def outputs(self) -> dict[str, str]:
        """``$GITHUB_OUTPUT`` as a dict, read as the runner reads it."""
        from testing.github import parse_outputs

        return parse_outputs(self.output.read_text())


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """main: two clean notebooks; the test then works on a ``feature`` branch."""
    repo = Repo(tmp_path / "repo")
    (repo.path / "pyproject.toml").write_text(NO_TWINS)
    nbs.write(repo.path / "nb" / "a.ipynb", _nb("x = n + 1"))
    nbs.write(repo.path / "nb" / "b.ipynb", _nb("y = 2"))
    repo.commit_all("base")
    repo.git("checkout", "-q", "-b", "feature")
    monkeypatch.chdir(repo.path)
    return repo


def test_pull_request_run_with_smoke_tests(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    github = GitHub(tmp_path / "github", monkeypatch)
    github.pull_request("main", repo.git("rev-parse", "main").strip())
    nbs.write(repo.path / "nb" / "a.ipynb", _nb("x = n + 2"))  # clean edit, runs fine
    nbs.write(
        repo.path / "nb" / "c.ipynb", _nb("print('hi')", "1 / 0", outputs=True)
    )  # dirty, and fails
    repo.commit_all("feature work")

    assert main(["ci"]) == 1
    out = capsys.readouterr().out
    summary = github.summary.read_text()

    assert (
        "❌ failed · compared with <code>main (" in summary and "2 changed notebook(s)" in summary
    )
    for row in (
        "| strip | ❌ fail | 1 of 2 need stripping |",
        "| lint | ❌ fail |",
        "| sync | ⏭️ skip |",
        "| smoke | ❌ fail | 1 passed, 1 failed |",
        "| registry | ✅ pass |",
    ):
        assert row in summary
    assert "- nb/c.ipynb: cell 3: ZeroDivisionError" in summary
    assert "| <code>nb/a.ipynb</code> | modified | 1 cell modified |" in summary
    assert (
        "#### <code>nb/a.ipynb</code> (modified)" in summary
        and "```diff\n-x = n + 1\n+x = n + 2\n```" in summary
    )
    assert "#### <code>nb/c.ipynb</code> (added)" in summary

    annotations = [line for line in out.splitlines() if line.startswith("::")]
    assert any(
        line.startswith("::error file=nb/c.ipynb,line=") and "NBG101" in line
        for line in annotations
    )
    assert (
        "::error file=nb/c.ipynb,title=nbgate strip::outputs in cells 2, 3; execution counts in cells 2, 3"
        in annotations
    )
    assert any(
        line.startswith("::error file=nb/c.ipynb,title=nbgate smoke::cell 3: ZeroDivisionError")
        for line in annotations
    )

    folder = repo.path / ".nbgate" / "ci"
    assert github.outputs() == {
        "changed": '["nb/a.ipynb", "nb/c.ipynb"]',
        "changed-count": "2",
        "failed": "true",
        "report": str(folder / "report.md"),
        "report-dir": str(folder),
    }
    assert (folder / "report.md").read_text() == summary
    assert "+x = n + 2" in (folder / "diff.html").read_text()
    executed = json.loads((folder / "executed" / "nb" / "a.ipynb").read_text())
    assert executed["cells"][-1]["source"] == ["x = n + 2"]
    assert "1 failed, 1 passed" in (folder / "smoke.log").read_text()


def test_a_clean_change_passes_with_inputs_from_the_environment(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    github = GitHub(tmp_path / "github", monkeypatch)
    github.pull_request("main", "")  # no sha in the payload: origin/main, then main
    monkeypatch.setenv("NBGATE_INPUT_SMOKE", "false")
    monkeypatch.setenv("NBGATE_INPUT_PATHS", "nb/a.ipynb")
    nbs.write(repo.path / "nb" / "a.ipynb", _nb("x = n + 2"))
    nbs.write(repo.path / "nb" / "b.ipynb", _nb("y = 3"))
    repo.commit_all("edit")
    assert main(["ci"]) == 0
    summary = github.summary.read_text()
    assert "✅ passed · compared with <code>main</code> · 1 changed notebook(s)" in summary
    assert "| smoke | ⏭️ skip | smoke tests turned off |" in summary
    assert "nb/b.ipynb" not in summary
    assert github.outputs()["failed"] == "false"


def test_fail_on_warning(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    nbs.write(repo.path / "nb" / "a.ipynb", _nb("x = 1", parameters=False))  # NBG201 is a warning
    repo.commit_all("no parameters cell")
    assert main(["ci", "--base", "main", "--no-smoke"]) == 0
    assert main(["ci", "--base", "main", "--no-smoke", "--fail-on", "warning"]) == 1
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    capsys.readouterr()
    assert main(["ci", "--base", "main", "--no-smoke"]) == 0
    assert any(
        line.startswith("::warning file=nb/a.ipynb,") and "NBG201" in line
        for line in capsys.readouterr().out.splitlines()
    )


def test_outside_github_the_report_goes_to_stdout_and_a_file(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo.path / "nb" / "b.ipynb").unlink()
    nbs.write(repo.path / "nb" / "a.ipynb", _nb("x = 5"))  # not committed: the working tree counts
    folder = tmp_path / "report"
    assert main(["ci", "--base", "main", "--no-smoke", "--report-dir", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "## nbgate ci\n\n✅ passed · compared with <code>main</code> · 1 changed notebook(s)"
    )
    assert "| <code>nb/b.ipynb</code> | deleted | 2 cells removed |" in out
    assert (folder / "report.md").read_text().rstrip("\n") in out


def test_nothing_changed_skips_every_stage(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ci", "--base", "main"]) == 0
    out = capsys.readouterr().out
    for name in ("strip", "lint", "sync", "smoke"):
        assert f"| {name} | ⏭️ skip | no changed notebooks |" in out
    assert "| registry | ⏭️ skip | no registry or notebook changes |" in out


def test_a_changed_twin_checks_its_notebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from nbgate.sync.pairing import to_text

    repo = Repo(tmp_path / "repo")
    (repo.path / "pyproject.toml").write_text("[tool.nbgate]\n")
    nb = _nb("z = 1")
    nbs.write(repo.path / "p.ipynb", nb)
    (repo.path / "p.py").write_text(to_text(nb, "py:percent"))
    repo.commit_all("paired")
    monkeypatch.chdir(repo.path)
    (repo.path / "p.py").write_text((repo.path / "p.py").read_text().replace("z = 1", "z = 2"))
    assert main(["ci", "--base", "HEAD", "--no-smoke"]) == 1
    out = capsys.readouterr().out
    assert "| sync | ❌ fail |" in out
    assert "#### <code>p.ipynb</code> (twin changed)" in out and "-z = 1\n+z = 2" in out


def test_a_renamed_notebook_without_twins_is_checked_and_smoke_tested_at_its_new_path(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    github = GitHub(tmp_path / "github", monkeypatch)
    github.pull_request("main", repo.git("rev-parse", "main").strip())
    repo.git("mv", "nb/a.ipynb", "nb/renamed.ipynb")
    nbs.write(repo.path / "nb" / "renamed.ipynb", _nb("x = n + 7"))
    repo.commit_all("rename and edit")
    assert main(["ci"]) == 0
    out = capsys.readouterr().out
    summary = github.summary.read_text()
    assert "| smoke | ✅ pass | 1 passed |" in summary
    assert (
        "| <code>nb/a.ipynb</code> → <code>nb/renamed.ipynb</code> | renamed | 1 cell modified |"
        in summary
    )
    assert "no such file" not in summary and not [
        line for line in out.splitlines() if line.startswith("::")
    ]
    assert github.outputs()["changed"] == '["nb/renamed.ipynb"]'


def test_smoke_asked_for_but_pytest_missing_fails_with_an_annotation(
    repo: Repo, tmp_path: Path, repo_root: Path
) -> None:
    nbs.write(repo.path / "nb" / "a.ipynb", _nb("x = n + 2"))
    repo.commit_all("edit")
    github = tmp_path / "github"
    github.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(repo_root),
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(github / "summary.md"),
    }
    # a Python in which pytest cannot be imported, as in an Action that installed nbgate without [ci]
    script = "import sys; sys.modules['pytest'] = None; from nbgate.cli.main import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", script, "ci", "--base", "main"],
        cwd=repo.path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        "::error title=nbgate smoke::smoke tests were asked for but pytest is not installed; install "
        "nbgate's ci extra" in done.stdout
    )
    assert (
        "| smoke | ❌ fail | cannot run: pytest is not installed |"
        in (github / "summary.md").read_text()
    )


def test_a_pytest_usage_error_fails_smoke_and_no_banner_becomes_an_annotation(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    GitHub(tmp_path / "github", monkeypatch)
    nbs.write(repo.path / "nb" / "a.ipynb", _nb("x = n + 2"))
    repo.commit_all("edit")
    assert main(["ci", "--base", "main", "--pytest-args=--no-such-option"]) == 1
    annotations = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::")]
    assert annotations == [
        "::error title=nbgate smoke::pytest stopped with a usage error and wrote no results; "
        "see smoke.log"
    ]
    assert "--no-such-option" in (repo.path / ".nbgate" / "ci" / "smoke.log").read_text()


def test_base_from_a_push_event_and_missing_bases(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = repo.git("rev-parse", "HEAD").strip()
    github = GitHub(tmp_path / "github", monkeypatch)
    github.event.write_text(json.dumps({"before": before}))
    label = f"{before[:7]} (before the push)"
    assert find_base(repo.path, None, {"GITHUB_EVENT_PATH": str(github.event)}) == (before, label)
    assert find_base(repo.path, "main", {})[1] == "main"
    github.event.write_text(
        json.dumps({"before": "0" * 40})
    )  # a new branch: nothing to compare with
    assert main(["ci", "--no-smoke"]) == 2
    assert main(["ci", "--base", "nope", "--no-smoke"]) == 2
