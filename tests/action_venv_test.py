"""The Action end to end, as GitHub would run it: a fresh venv, action.yml's own scripts, a failing PR.

The venv uses ``--system-site-packages`` only so that nbgate's dependencies
need not be downloaded again (a plain install took 8.5 minutes on the loaded
test machine); nbgate itself, the ``ci`` extra and the project's own package
are installed into the venv by the Action's own commands, read from
action.yml, with the ``install`` value the workflow of ``nbgate init`` holds.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from testing import notebooks as nbs
from testing.git import Repo
from testing.github import parse_outputs

HELPER = '[project]\nname = "projhelper"\nversion = "1.0"\n[tool.setuptools]\npy-modules = ["projhelper"]\n'


def _expand(value: str, inputs: dict[str, str], action_path: Path) -> str:
    """GitHub's ``${{ }}`` substitution for the two forms action.yml uses in ``env:``."""

    def one(match: re.Match[str]) -> str:
        name = match[1].strip()
        if name == "github.action_path":
            return str(action_path)
        return inputs[name.removeprefix("inputs.")]

    return re.sub(r"\$\{\{([^}]*)\}\}", one, value)


def _project(root: Path, repo_root: Path) -> tuple[Repo, dict[str, Any]]:
    repo = Repo(root)
    (root / "pyproject.toml").write_text("[tool.nbgate]\n[tool.nbgate.sync]\nenabled = false\n")
    (root / "helper").mkdir()
    (root / "helper" / "pyproject.toml").write_text(HELPER)
    (root / "helper" / "projhelper.py").write_text("def double(x):\n    return 2 * x\n")
    (root / "requirements.txt").write_text("./helper\n")
    env = {**os.environ, "PYTHONPATH": str(repo_root)}
    subprocess.run(
        [sys.executable, "-m", "nbgate", "init"], cwd=root, env=env, check=True, capture_output=True
    )
    workflow = yaml.safe_load((root / ".github" / "workflows" / "nbgate.yml").read_text())
    nbs.write(
        root / "nb" / "ok.ipynb",
        nbs.make(
            [
                nbs.code("n = 1", tags=["parameters"]),
                nbs.code("import projhelper\nassert projhelper.double(n) == 2"),
            ]
        ),
    )
    repo.commit_all("base")
    repo.git("checkout", "-q", "-b", "feature")
    nbs.write(
        root / "nb" / "bad.ipynb",
        nbs.make(
            [
                nbs.code("n = 1", tags=["parameters"]),
                nbs.code("import projhelper"),
                nbs.code("projhelper.double(n) / 0"),
            ]
        ),
    )
    nbs.write(
        root / "nb" / "ok.ipynb",
        nbs.make(
            [
                nbs.code("n = 1", tags=["parameters"]),
                nbs.code("import projhelper\nassert projhelper.double(n) == 2"),
                nbs.code("print(n)"),
            ]
        ),
    )
    repo.commit_all("feature")
    return repo, workflow


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_the_actions_own_steps_in_a_fresh_venv_fail_a_pr_with_a_failing_notebook(
    tmp_path: Path, repo_root: Path
) -> None:
    repo, workflow = _project(tmp_path / "project", repo_root)
    action = yaml.safe_load((repo_root / "action.yml").read_text())
    [uses] = [
        step
        for step in workflow["jobs"]["review"]["steps"]
        if step.get("uses", "").startswith("nbgate/")
    ]
    assert (
        uses["with"]["install"] == "pip install -r requirements.txt"
    )  # init found requirements.txt
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    inputs.update({key: str(value) for key, value in uses["with"].items()})

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    github = tmp_path / "github"
    github.mkdir()
    event = github / "event.json"
    base = repo.git("rev-parse", "main").strip()
    event.write_text(json.dumps({"pull_request": {"base": {"ref": "main", "sha": base}}}))
    env = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")
    }
    env.update(
        {
            "PATH": f"{venv / 'bin'}{os.pathsep}{env['PATH']}",
            "VIRTUAL_ENV": str(venv),
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_BASE_REF": "main",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_STEP_SUMMARY": str(github / "summary.md"),
            "GITHUB_OUTPUT": str(github / "output.txt"),
        }
    )

    done: dict[str, subprocess.CompletedProcess[str]] = {}
    for step in action["runs"]["steps"]:
        if "run" not in step:
            assert step["uses"].startswith("actions/setup-python@")  # the venv stands in for it
            continue
        step_env = {
            **env,
            **{k: _expand(str(v), inputs, repo_root) for k, v in (step.get("env") or {}).items()},
        }
        done[step["name"]] = subprocess.run(
            ["bash", "-e", "-c", step["run"]],
            cwd=repo.path,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=1500,
            check=False,
        )
        if step.get("id") != "ci":
            assert done[step["name"]].returncode == 0, done[step["name"]].stderr[-3000:]

    # nbgate, its ci extra and the project's package all landed in the venv
    where = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import nbgate, pytest, xdist, projhelper; print(nbgate.__file__, projhelper.__file__)",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.count(str(venv)) == 2, where
    ci = done["nbgate ci"]
    assert ci.returncode == 1, ci.stdout[-3000:] + ci.stderr[-3000:]
    annotations = [line for line in ci.stdout.splitlines() if line.startswith("::")]
    assert (
        "::error file=nb/bad.ipynb,title=nbgate smoke::cell 3: ZeroDivisionError: division by zero"
        in annotations
    )
    assert not any("=====" in line or "test session starts" in line for line in annotations)
    summary = (github / "summary.md").read_text()
    assert (
        "| smoke | ❌ fail | 1 passed, 1 failed |" in summary
    )  # ok.ipynb imported the project's package
    assert parse_outputs((github / "output.txt").read_text())["failed"] == "true"
