"""``.pre-commit-hooks.yaml``: the nbgate-strip hook, run for real by pre-commit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pre_commit.clientlib import load_manifest

from nbgate import notebook
from nbgate.strip.transform import strip_notebook
from testing import notebooks as nbs
from testing.git import Repo

REPO = Path(__file__).resolve().parent.parent
MANIFEST = REPO / ".pre-commit-hooks.yaml"


def _hooks() -> dict[str, dict[str, Any]]:
    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    return {hook["id"]: hook for hook in hooks}


def _dirty() -> dict[str, Any]:
    cells = [
        nbs.markdown("# Report"),
        nbs.code(
            "print('hi')",
            outputs=[nbs.stream("hi\n")],
            execution_count=3,
            metadata={"ExecuteTime": {"end_time": "2024-01-01"}, "tags": ["parameters"]},
        ),
    ]
    return nbs.make(cells, metadata={"language_info": {"name": "python", "version": "3.11.7"}})


def _env(**extra: str) -> dict[str, str]:
    """The environment for pre-commit: this interpreter's scripts first, quiet pip."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PIP_PREFER_BINARY="1", **extra)
    return env


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=_env(), capture_output=True, text=True, check=False, timeout=600
    )


def test_manifest_is_valid_for_pre_commit() -> None:
    manifest = load_manifest(str(MANIFEST))  # pre-commit's own schema check
    assert "nbgate-strip" in [hook["id"] for hook in manifest]
    hook = _hooks()["nbgate-strip"]
    assert hook["entry"] == "nbgate strip"
    assert hook["language"] == "python"
    assert hook["types"] == ["jupyter"]
    assert hook["name"]


def test_commit_through_the_installed_hook(tmp_path: Path) -> None:
    """A dirty notebook: the commit fails and the file is fixed; committing the fix passes."""
    repo = Repo(tmp_path / "project")
    hook = dict(
        _hooks()["nbgate-strip"], language="system"
    )  # the manifest's entry and types, run locally
    config = {"repos": [{"repo": "local", "hooks": [hook]}]}
    (repo.path / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (repo.path / "README.md").write_text("not a notebook\n")
    repo.commit_all("config")
    assert _run(["pre-commit", "install"], repo.path).returncode == 0

    path = nbs.write(repo.path / "notebooks" / "report.ipynb", _dirty())
    repo.git("add", "-A")
    first = _run(["git", "commit", "-m", "add report"], repo.path)
    report = first.stdout + first.stderr  # git passes the hook's report through stderr
    assert first.returncode == 1, report
    assert "nbgate strip" in report and "Failed" in report
    assert "files were modified by this hook" in report
    assert path.read_bytes() == notebook.dumps(strip_notebook(_dirty()).nb)
    assert repo.git("log", "--oneline").count("\n") == 1  # nothing committed

    repo.git("add", "-A")
    second = _run(["git", "commit", "-m", "add report"], repo.path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Passed" in second.stdout + second.stderr
    committed = repo.git("show", "HEAD:notebooks/report.ipynb")
    assert committed.encode() == path.read_bytes()


def test_pre_commit_run_all_files_skips_non_notebooks(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "project")
    hook = dict(_hooks()["nbgate-strip"], language="system")
    (repo.path / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]}), encoding="utf-8"
    )
    (repo.path / "data.json").write_text('{"cells": "not a notebook"}')
    nbs.write(repo.path / "clean.ipynb", strip_notebook(_dirty()).nb)
    repo.git("add", "-A")
    done = _run(["pre-commit", "run", "--all-files"], repo.path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (repo.path / "data.json").read_text() == '{"cells": "not a notebook"}'


def _copy_checkout(target: Path) -> Path:
    """This checkout's package files, committed in a fresh repository.

    ``try-repo`` on the checkout itself would only see files git tracks; a
    copy makes the test exercise the working tree as it is.
    """
    repo = Repo(target)
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "LICENSE"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, target / name)
    shutil.copytree(
        REPO / "nbgate", target / "nbgate", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    repo.commit_all("nbgate")
    return target


@pytest.mark.slow
def test_try_repo_builds_the_hook_and_it_fixes_then_passes(tmp_path: Path) -> None:
    """``pre-commit try-repo``: pre-commit builds a virtualenv, pip-installs nbgate, runs the hook."""
    checkout = _copy_checkout(tmp_path / "nbgate-checkout")
    project = Repo(tmp_path / "project")
    path = nbs.write(project.path / "report.ipynb", _dirty())
    project.git("add", "-A")

    first = _run(
        ["pre-commit", "try-repo", str(checkout), "nbgate-strip", "--all-files"], project.path
    )
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    assert "report.ipynb: stripped: outputs in cell 2" in first.stdout
    assert path.read_bytes() == notebook.dumps(strip_notebook(_dirty()).nb)

    second = _run(
        ["pre-commit", "try-repo", str(checkout), "nbgate-strip", "--all-files"], project.path
    )
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Passed" in second.stdout
