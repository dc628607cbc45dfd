"""The trust chain end to end, in real git repositories with real kernels: CI is the authority for promotion.

Each test plays a pull request: ``main`` holds a promoted schedule, a branch
changes the registry, and ``nbgate ci --base main`` (what the Action runs)
must pass or fail it.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path
from typing import Any

import pytest

from nbgate import notebook
from nbgate.cli.main import main
from nbgate.identity import source_sha256
from nbgate.registry import model
from testing import notebooks as nbs
from testing.git import Repo

PYPROJECT = "[tool.nbgate]\n[tool.nbgate.sync]\nenabled = false\n"
RUNS = (
    "runs.log"  # every execution of good.ipynb appends a line here (its folder is the kernel's cwd)
)


def _good(*extra: str) -> dict[str, Any]:
    cells = [
        nbs.code("n = 1\nflag = False", tags=["parameters"]),
        nbs.code(f"with open({RUNS!r}, 'a') as log:\n    log.write('ran\\n')"),
        nbs.code("assert n + 1 == 2"),
        *[nbs.code(source) for source in extra],
    ]
    return nbs.make(cells)


def _bad() -> dict[str, Any]:
    return nbs.make([nbs.code("n = 1", tags=["parameters"]), nbs.code("raise ValueError('boom')")])


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run ``nbgate ARGS`` in-process: exit code and stdout + stderr."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def promote(capsys: pytest.CaptureFixture[str], path: str, name: str, *extra: str) -> str:
    """Promote with a real smoke test first; the new revision file's text output."""
    code, text = cli(
        capsys,
        "promote",
        path,
        "--name",
        name,
        "--schedule",
        "0 6 * * *",
        "--run-tests",
        "-y",
        *extra,
    )
    assert code == 0, text
    return text


@pytest.fixture
def repo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Repo:
    """main: good.ipynb (passes) and bad.ipynb (its second cell raises), good promoted and committed."""
    repo = Repo(tmp_path / "repo")
    (repo.path / "pyproject.toml").write_text(PYPROJECT)
    (repo.path / ".gitignore").write_text(".nbgate/\n" + RUNS + "\n")
    nbs.write(repo.path / "good.ipynb", _good())
    nbs.write(repo.path / "bad.ipynb", _bad())
    repo.commit_all("notebooks")
    monkeypatch.chdir(repo.path)
    for name in (
        "GITHUB_ACTIONS",
        "GITHUB_EVENT_PATH",
        "GITHUB_BASE_REF",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_OUTPUT",
    ):
        monkeypatch.delenv(name, raising=False)
    promote(capsys, "good.ipynb", "good")
    repo.commit_all("promote good rev 1")
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def _runs(repo: Repo) -> int:
    path = repo.path / RUNS
    return len(path.read_text().splitlines()) if path.exists() else 0


def _sha(path: Path) -> str:
    return source_sha256(notebook.read(path).nb)


def test_the_forged_revision_pull_request_fails_ci_naming_the_file(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    good = model.loads((repo.path / "registry/good/0001.yaml").read_bytes(), "good")
    bad_sha = _sha(repo.path / "bad.ipynb")
    blob = repo.git("rev-parse", "HEAD:bad.ipynb").strip()
    forged = model.Revision(
        **{
            **good.__dict__,
            "name": "bad",
            "notebook": "bad.ipynb",
            "source_sha256": bad_sha,
            "blob": blob,
            "evidence": {**good.evidence, "source_sha256": bad_sha},
        }
    )
    (repo.path / "registry/bad").mkdir()
    (repo.path / "registry/bad/0001.yaml").write_bytes(model.dumps(forged))
    repo.commit_all("schedule bad by hand")
    # what the issue saw pass: the file-level checks find nothing wrong with it
    assert cli(capsys, "registry", "verify", "--base", "main")[0] == 0
    code, text = cli(capsys, "ci", "--base", "main")
    assert code == 1
    assert (
        "registry/bad/0001.yaml: the smoke test of its content in this run did not pass (outcome failed)"
        in text
    )
    assert "### Schedules in this change" in text and "❌ failed" in text
    code, text = cli(capsys, "registry", "verify", "--base", "main", "--retest")
    assert code == 1 and "bad/0001.yaml" in text and "did not pass" in text


def test_a_genuine_promotion_passes_and_its_notebook_runs_exactly_once(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    nbs.write(repo.path / "good.ipynb", _good("print('v2')"))
    repo.commit_all("good v2")
    promote(capsys, "good.ipynb", "good")
    repo.commit_all("promote good rev 2")
    before = _runs(repo)
    code, text = cli(capsys, "ci", "--base", "main")
    assert code == 0, text
    assert _runs(repo) == before + 1  # the smoke step ran it; the re-test reused that run
    assert "0 identity(ies) smoke-tested here, 1 reused from the smoke step" in text
    row = next(line for line in text.splitlines() if line.startswith("| good | promote |"))
    assert (
        "✅ passed" in row
        and _sha(repo.path / "good.ipynb")[:12] in row
        and "executed/good.ipynb" in row
    )


def test_a_promotion_of_unchanged_content_is_tested_once_from_git(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    promote(capsys, "good.ipynb", "good", "--param", "flag=true")
    promote(capsys, "good.ipynb", "other")
    repo.commit_all("two revisions, one identity")
    before = _runs(repo)
    code, text = cli(capsys, "ci", "--base", "main")
    assert code == 0, text
    assert _runs(repo) == before + 1 and "1 identity(ies) smoke-tested here" in text


def test_a_tampered_ledger_lets_promote_accept_but_ci_catches_it(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    nbs.write(repo.path / "good.ipynb", _good("raise RuntimeError('broken')"))
    repo.commit_all("break good")
    code, text = cli(capsys, "promote", "good.ipynb", "--name", "good", "--run-tests", "-y")
    assert code == 4 and "did not pass" in text
    evidence = repo.path / ".nbgate/evidence" / f"{_sha(repo.path / 'good.ipynb')}.json"
    evidence.write_text(evidence.read_text().replace('"failed"', '"passed"'))
    text = promote(capsys, "good.ipynb", "good")
    assert "the authoritative check is `nbgate ci` on the pull request" in text
    repo.commit_all("promote the broken notebook")
    code, text = cli(capsys, "ci", "--base", "main", "--no-smoke")
    assert (
        code == 1
        and "registry/good/0002.yaml: the smoke test of its content in this run did not pass"
        in text
    )


@pytest.mark.parametrize("change", ["delete", "edit"])
def test_pull_requests_that_delete_or_edit_a_committed_revision_fail_ci(
    repo: Repo, capsys: pytest.CaptureFixture[str], change: str
) -> None:
    path = repo.path / "registry/good/0001.yaml"
    if change == "delete":
        path.unlink()
    else:
        path.write_text(path.read_text().replace("parameters: {}", "parameters:\n  n: 2"))
    repo.commit_all(f"{change} a committed revision")
    assert (
        cli(capsys, "registry", "verify")[0] == 0
    )  # against HEAD, the pull request's own commit, it looks fine
    code, text = cli(capsys, "ci", "--base", "main")
    assert code == 1
    verb = "deleted" if change == "delete" else "modified"
    assert f"registry/good/0001.yaml: revision file {verb} since" in text


def test_a_tagged_cell_added_to_a_promoted_notebook_is_drift_and_never_runs(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    nb = _good()
    nb["cells"].append(nbs.code("open('pwned', 'w').close()", tags=["injected-parameters"]))
    nbs.write(repo.path / "good.ipynb", nb)
    repo.commit_all("sneak a cell in")
    code, text = cli(capsys, "registry", "verify")
    assert code == 1 and "drift: good.ipynb changed since schedule 'good' was promoted" in text
    # in the repository the promoted content runs, from git: the new cell never does
    code, text = cli(capsys, "run", "good", "--date", "2024-01-01")
    assert code == 0, text
    assert not (repo.path / "pwned").exists()
    # a deployment without git has only the drifted file: the run is refused
    deployed = tmp_path / "deployed"
    shutil.copytree(repo.path, deployed, ignore=shutil.ignore_patterns(".git", ".nbgate"))
    import os

    os.chdir(deployed)
    code, text = cli(capsys, "run", "good", "--date", "2024-01-02")
    assert code == 4 and "refusing to run good.ipynb" in text
    assert not (deployed / "pwned").exists()


def test_a_rollback_to_content_that_now_fails_fails_ci(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.git("checkout", "-q", "main")
    (repo.path / "input.txt").write_text("ok")
    nbs.write(repo.path / "good.ipynb", _good("assert open('input.txt').read() == 'ok'"))
    repo.commit_all("good reads its input")
    promote(capsys, "good.ipynb", "good")
    repo.commit_all("promote rev 2")
    nbs.write(repo.path / "good.ipynb", _good("print('no input needed')"))
    (repo.path / "input.txt").unlink()
    repo.commit_all("good v3 without input")
    promote(capsys, "good.ipynb", "good")
    repo.commit_all("promote rev 3")
    repo.git("checkout", "-q", "-b", "rollback")
    code, text = cli(capsys, "registry", "rollback", "good", "--to", "2")
    assert code == 0, text  # the local ledger still says rev 2's content passed
    repo.commit_all("roll back to rev 2")
    code, text = cli(capsys, "ci", "--base", "main")
    assert code == 1
    assert "registry/good/0004.yaml: the smoke test of its content in this run did not pass" in text
    assert not list(repo.path.glob(".nbgate-retest-*"))  # the materialized copy is gone


def test_a_squash_merged_promotion_still_runs_and_rolls_back(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    nbs.write(repo.path / "good.ipynb", _good("print('v2')"))
    repo.commit_all("good v2")
    promote(capsys, "good.ipynb", "good")
    repo.commit_all("promote good rev 2")
    promoted_on = model.loads((repo.path / "registry/good/0002.yaml").read_bytes(), "rev 2").commit
    repo.git("checkout", "-q", "main")
    repo.git("merge", "--squash", "feature")
    repo.commit_all("squash: good v2 (#1)")
    repo.git("branch", "-D", "feature")
    repo.git("reflog", "expire", "--expire=now", "--all")
    repo.git("gc", "-q", "--prune=now")
    assert repo.git("cat-file", "-t", promoted_on, check=False) == ""  # the branch commit is gone
    nbs.write(repo.path / "good.ipynb", _good("print('v3')"))
    repo.commit_all("good v3")
    promote(capsys, "good.ipynb", "good")
    repo.commit_all("promote good rev 3")
    code, text = cli(capsys, "run", "good", "--rev", "2", "--date", "2024-01-01")
    assert code == 0, text
    code, text = cli(capsys, "registry", "rollback", "good", "--to", "2")
    assert code == 0, text
    code, text = cli(capsys, "run", "good", "--date", "2024-01-02")
    assert code == 0, text
    # the rollback is not committed yet: --retest (against HEAD) re-tests it from git, and it passes
    # (verify itself reports drift: the working tree holds v3 while v2 is active again)
    code, text = cli(capsys, "registry", "verify", "--retest")
    assert "registry/good/0004.yaml: good rollback good.ipynb" in text and ": passed" in text
    assert "did not pass" not in text and "cannot be read" not in text


def test_content_missing_from_the_clone_is_a_finding_not_a_traceback(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    good = model.loads((repo.path / "registry/good/0001.yaml").read_bytes(), "good")
    ghost = model.Revision(
        **{
            **good.__dict__,
            "name": "ghost",
            "commit": "1" * 40,
            "blob": "2" * 40,
            "source_sha256": "3" * 64,
            "evidence": {**good.evidence, "source_sha256": "3" * 64},
        }
    )
    (repo.path / "registry/ghost").mkdir()
    (repo.path / "registry/ghost/0001.yaml").write_bytes(model.dumps(ghost))
    repo.commit_all("a revision whose content is nowhere")
    code, text = cli(capsys, "ci", "--base", "main", "--no-smoke")
    text = html.unescape(text)  # the step summary shows it with markdown's characters as entities
    assert code == 1 and "Traceback" not in text
    assert (
        "registry/ghost/0001.yaml: its notebook content (source_sha256 333333333333) cannot be read from git"
        in text
    )
    assert "blob 222222222222 of good.ipynb is not in this clone" in text
