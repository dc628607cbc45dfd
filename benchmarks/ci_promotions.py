"""``nbgate ci`` on a change adding 50 revisions over 20 distinct notebooks, against ``pytest --nbgate`` alone.

The re-test executes each distinct identity once (20 runs, not 50) in one
pytest process, so the whole ``nbgate ci`` (git, registry verify against the
base, re-test, report) should cost at most 1.2x the smoke tests of those 20
notebooks by themselves. Two shapes of change:

* ``promotions only``: the notebooks are already on main; the change adds
  only revision files, so the re-test runs the 20 notebooks from git;
* ``notebooks + promotions``: the change adds the notebooks too; the smoke
  step runs them and the re-test reuses those runs (no second execution).

Every timed ``nbgate ci`` is checked: exit 0 and exactly 20 executions.

    python benchmarks/ci_promotions.py [--quick] [--runs N]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from _timing import Case, common_args, format_table, interleaved, runs_from, tool, work_dir

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nbgate import notebook
from nbgate.identity import source_sha256
from nbgate.registry import model

NOTEBOOKS = 20
REVISIONS = 50
PYPROJECT = "[tool.nbgate]\n[tool.nbgate.sync]\nenabled = false\n"
RUN_LOG = "executions.log"


def _nb(i: int) -> dict[str, object]:
    cells = [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "c0",
            "metadata": {"tags": ["parameters"]},
            "outputs": [],
            "source": "n = 1\nlabel = 'x'",
        },
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "c1",
            "metadata": {},
            "outputs": [],
            "source": f"with open({RUN_LOG!r}, 'a') as log:\n    log.write('{i}\\n')",
        },
    ]
    cells += [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": f"c{k}",
            "metadata": {},
            "outputs": [],
            "source": f"value_{k} = sum(range({k} * 100 + n))\nassert value_{k} >= 0",
        }
        for k in range(2, 10)
    ]
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _revisions(repo: Path, paths: list[str]) -> None:
    """50 revision files: 20 schedules (one per notebook), then 30 more schedules reusing those notebooks."""
    commit = _git(repo, "rev-parse", "HEAD")
    for k in range(REVISIONS):
        path = paths[k % NOTEBOOKS]
        sha = source_sha256(notebook.read(repo / path).nb)
        revision = model.Revision(
            name=f"job-{k:02d}",
            rev=1,
            action=model.PROMOTE,
            notebook=path,
            source_sha256=sha,
            commit=commit,
            blob=_git(repo, "rev-parse", f"HEAD:{path}"),
            schedule=f"{k % 60} 6 * * *",
            timezone="UTC",
            parameters={"n": k},
            evidence={"source_sha256": sha, "outcome": "passed"},
            promoted_by="bench <bench@example.com>",
            promoted_at="2026-01-01T00:00:00Z",
        )
        folder = repo / "registry" / revision.name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "0001.yaml").write_bytes(model.dumps(revision))


def build(root: Path, *, notebooks_in_change: bool) -> tuple[Path, list[str]]:
    """A repository on branch ``change`` whose diff from ``main`` is the benchmark's change."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    _git(root, "init", "-q", "-b", "main")
    for key, value in (
        ("user.email", "bench@example.com"),
        ("user.name", "bench"),
        ("commit.gpgsign", "false"),
    ):
        _git(root, "config", key, value)
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / ".gitignore").write_text(f".nbgate/\n{RUN_LOG}\n")
    paths = [f"notebooks/nb{i:02d}.ipynb" for i in range(NOTEBOOKS)]
    if not notebooks_in_change:
        for i, path in enumerate(paths):
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(notebook.dumps(_nb(i)))
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "main")
    _git(root, "checkout", "-q", "-b", "change")
    if notebooks_in_change:
        for i, path in enumerate(paths):
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(notebook.dumps(_nb(i)))
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", "notebooks")
    _revisions(root, paths)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "50 promotions")
    return root, paths


def _reset(repo: Path) -> None:
    (repo / "notebooks" / RUN_LOG).unlink(missing_ok=True)
    shutil.rmtree(repo / ".nbgate", ignore_errors=True)


def _executions(repo: Path) -> int:
    path = repo / "notebooks" / RUN_LOG  # a kernel runs in its notebook's folder
    return len(path.read_text().splitlines()) if path.exists() else 0


def main() -> None:
    """Build both changes, time ``nbgate ci`` against ``pytest --nbgate`` on the 20 notebooks, print tables."""
    parser = common_args(__doc__ or "")
    parser.add_argument(
        "--shape",
        choices=("promotions", "notebooks", "both"),
        default="both",
        help="which change to time (default both)",
    )
    args = parser.parse_args()
    runs = runs_from(args, default=3)
    env = {
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent)
        + os.pathsep
        + os.environ.get("PYTHONPATH", "")
    }
    work = work_dir("ci_promotions")
    shapes = [("promotions only", False), ("notebooks + promotions", True)]
    for shape, in_change in shapes:
        if args.shape != "both" and in_change != (args.shape == "notebooks"):
            continue
        repo, paths = build(
            work / shape.replace(" ", "-").replace("+", "and"), notebooks_in_change=in_change
        )
        cases = [
            Case(
                "pytest --nbgate (20 notebooks)",
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    "--nbgate",
                    "-p",
                    "no:cacheprovider",
                    "-q",
                    *paths,
                ],
                setup=lambda repo=repo: _reset(repo),
                env=env,
            ),
            Case(
                "nbgate ci (50 revisions)",
                [tool("nbgate"), "ci", "--base", "main"],
                setup=lambda repo=repo: _reset(repo),
                env=env,
            ),
        ]
        for case in cases:  # both must really execute the 20 notebooks, each exactly once
            _reset(repo)
            done = subprocess.run(
                case.argv,
                cwd=repo,
                capture_output=True,
                text=True,
                check=False,
                env={**os.environ, **env},
            )
            if done.returncode != 0 or _executions(repo) != NOTEBOOKS:
                raise SystemExit(
                    f"{case.label} ({shape}): exit {done.returncode}, {_executions(repo)} execution(s)"
                    f"\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
                )
        timings = interleaved(cases, runs=runs, cwd=repo, warmup=False)
        print(
            format_table(
                f"{shape}: 50 revisions over 20 notebooks ({runs} runs)",
                timings,
                baseline="pytest --nbgate (20 notebooks)",
            )
        )
        ratio = (
            sorted(timings[1].times)[len(timings[1].times) // 2]
            / sorted(timings[0].times)[len(timings[0].times) // 2]
        )
        print(json.dumps({"shape": shape, "ratio": round(ratio, 3), "target": 1.2}))
        print()


if __name__ == "__main__":
    main()
