"""The pull-request workflow end to end: a real repository, real pre-commit hooks, real kernels.

``nbgate init``, commits through the installed hooks, a rename pull request
(``git mv`` of a notebook and its twin, then an edit), ``nbgate ci`` and
``nbgate diff`` on it, and live progress on a terminal.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from testing import notebooks as nbs
from testing.git import Repo

CELLS = 12


def _env(repo_root: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(repo_root))
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    for name in (
        "GITHUB_ACTIONS",
        "GITHUB_EVENT_PATH",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_OUTPUT",
        "GITHUB_BASE_REF",
    ):
        env.pop(name, None)
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=900
    )


def _notebook() -> dict[str, object]:
    cells = [nbs.code("n = 1", tags=["parameters"])]
    cells += [nbs.code(f"x{i} = n + {i}\nprint(x{i})") for i in range(CELLS - 1)]
    return nbs.make(cells)


def _adopted(root: Path, repo_root: Path) -> tuple[Repo, dict[str, str]]:
    """A repository set up as the README says: init, hooks installed, one notebook and its twin."""
    env = _env(repo_root)
    repo = Repo(root)
    assert _run(["nbgate", "init"], root, env).returncode == 0
    assert _run(["pre-commit", "install"], root, env).returncode == 0
    nbs.write(root / "nb" / "report.ipynb", _notebook())
    assert _run(["nbgate", "sync"], root, env).returncode == 0  # creates the twin nb/report.py
    repo.git("add", "-A")
    commit = _run(["git", "commit", "-q", "-m", "adopt nbgate"], root, env)
    assert commit.returncode == 0, commit.stdout + commit.stderr  # through the real hooks
    return repo, env


def test_a_rename_pull_request_is_followed_by_ci_and_diff(tmp_path: Path, repo_root: Path) -> None:
    repo, env = _adopted(tmp_path / "project", repo_root)
    root = repo.path
    repo.git("checkout", "-q", "-b", "rename")
    repo.git("mv", "nb/report.ipynb", "nb/sales.ipynb")
    repo.git("mv", "nb/report.py", "nb/sales.py")
    first = _run(["git", "commit", "-q", "-m", "rename"], root, env)
    assert first.returncode == 0, first.stdout + first.stderr
    data = json.loads((root / "nb" / "sales.ipynb").read_text())
    data["cells"][3]["source"] = ["x2 = n * 200\n", "print(x2)"]
    (root / "nb" / "sales.ipynb").write_text(json.dumps(data, indent=1) + "\n")
    assert _run(["nbgate", "sync"], root, env).returncode == 0  # the twin follows the edit
    repo.git("add", "-A")
    second = _run(["git", "commit", "-q", "-m", "edit"], root, env)
    assert second.returncode == 0, second.stdout + second.stderr

    ci = _run(["nbgate", "ci", "--base", "main"], root, env)
    assert ci.returncode == 0, ci.stdout + ci.stderr
    assert "| smoke | ✅ pass | 1 passed |" in ci.stdout
    assert "no such file" not in ci.stdout and "report.ipynb` | twin" not in ci.stdout
    assert (
        "| <code>nb/report.ipynb</code> → <code>nb/sales.ipynb</code> | renamed | 1 cell modified |"
        in ci.stdout
    )
    assert "smoke: 1/1 nb/sales.ipynb: passed" in ci.stderr  # progress, plain lines off a terminal
    executed = root / ".nbgate" / "ci" / "executed" / "nb" / "sales.ipynb"
    assert json.loads(executed.read_text())["cells"][3]["outputs"][0]["text"] == ["200\n"]

    diff = _run(["nbgate", "diff", "main...HEAD"], root, env)
    assert diff.returncode == 0, diff.stderr
    assert diff.stdout.splitlines()[0].startswith(
        "=== nb/report.ipynb -> nb/sales.ipynb (renamed)  1 cell modified"
    )
    assert "cells removed" not in diff.stdout and "+x2 = n * 200" in diff.stdout


def test_gate_shows_live_progress_on_a_terminal_and_plain_lines_elsewhere(
    tmp_path: Path, repo_root: Path
) -> None:
    env = _env(repo_root)
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.nbgate]\n[tool.nbgate.sync]\nenabled = false\n")
    for name in ("a", "b"):
        nbs.write(root / f"{name}.ipynb", nbs.make([nbs.code("import time\ntime.sleep(1.5)")]))

    plain = _run(["nbgate", "gate", "--only", "smoke"], root, env)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    lines = plain.stderr.splitlines()
    assert [line.split(" [")[0] for line in lines] == [
        "nbgate gate: 1/1 smoke ...",
        "smoke: 1/2 a.ipynb ...",
        "smoke: 1/2 a.ipynb: passed",
        "smoke: 2/2 b.ipynb ...",
        "smoke: 2/2 b.ipynb: passed",
    ]
    assert "\r" not in plain.stderr

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        ["nbgate", "gate", "--only", "smoke"],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
    )
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            seen += chunk
        elif process.poll() is not None:
            break
    os.close(leader)
    stdout = process.communicate(timeout=60)[0].decode()
    assert process.returncode == 0, stdout
    text = seen.decode("utf-8", "replace")
    frames = [frame for frame in text.split("\r\x1b[K") if frame.strip()]
    assert any(frame.startswith("smoke · 0/2 done · a.ipynb · ") for frame in frames), frames
    assert any(frame.startswith("smoke · 1/2 done · b.ipynb · ") for frame in frames), frames
    assert all(frame.rstrip().endswith("s") for frame in frames)  # elapsed seconds on every frame
    assert (
        "smoke  PASS    2 passed" in stdout
    )  # results stay on stdout, the status line on the terminal only
