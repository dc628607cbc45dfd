"""Benchmark ``nbgate registry verify`` against loading the same files with PyYAML, at growing sizes.

    python benchmarks/registry.py [--quick] [--runs N] [--sizes 1000,3000,10000]

For each size N it builds (once, cached under ``benchmarks/.work/registry/N``)
a committed git repository with N small notebooks and a registry of N
schedules, 3 revisions each (promote, pause, resume: a valid hash chain,
every schedule active), and times whole processes (median of ``--runs``,
default 3, after one untimed warm-up run of verify, which reads every file the
others read; commands alternate run by run):

* ``nbgate registry verify``: schemas, hash chains, cron and timezones,
  history against HEAD, and drift (every notebook read from git and hashed);
* ``PyYAML pure``: a script that only loads every revision file with
  PyYAML's pure-Python ``SafeLoader`` (the peer: what a naive checker costs
  before it checks anything);
* ``PyYAML C``: the same with ``CSafeLoader`` (libyaml).

A second table times the ``nbgate-registry`` pre-commit hook (``verify
--hook PATHS``) on a commit that touches nothing promoted (it reads one
revision file per schedule and stops) and on one that holds a promoted
notebook (the full verify), against ``nbgate --version`` (start-up alone).

Verify must exit 0 on the generated registry, or the run stops. Target
(issue 6): verify of 10,000 schedules under 5 s, growing linearly.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import (
    ROOT,
    Case,
    Timing,
    common_args,
    interleaved,
    print_table,
    run_once,
    runs_from,
    tool,
    work_dir,
)

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nbgate import notebook
from nbgate.identity import source_sha256
from nbgate.registry import model
from nbgate.registry.store import sha256_bytes

LAYOUT_VERSION = "3"  # bump when the generated repository changes
LOAD = '''\
"""Load every revision file under registry/ with one PyYAML loader; nothing else."""
import os
import sys

import yaml

loader = yaml.CSafeLoader if sys.argv[1] == "c" else yaml.SafeLoader
count = 0
for folder, _, names in os.walk("registry"):
    for name in names:
        if name.endswith(".yaml"):
            with open(os.path.join(folder, name), "rb") as handle:
                yaml.load(handle.read(), Loader=loader)
            count += 1
print(count)
'''
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo")


def _notebook(index: int) -> dict[str, object]:
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": []}
    return {
        "cells": [
            {"cell_type": "markdown", "id": "c0", "metadata": {}, "source": f"# Report {index}\n"},
            {
                **cell,
                "id": "c1",
                "metadata": {"tags": ["parameters"]},
                "source": f"region = 'eu'\nlimit = {index}\n",
            },
            {**cell, "id": "c2", "source": f"total = limit * {index % 97}\nprint(region, total)\n"},
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout


def build(repo: Path, count: int) -> Path:
    """A committed repository with ``count`` notebooks and schedules (3 revisions each); cached."""
    marker = repo / ".bench-ready"
    if marker.exists() and marker.read_text() == f"{LAYOUT_VERSION} {count}":
        return repo
    if repo.exists():
        import shutil

        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    (repo / "pyproject.toml").write_text("[tool.nbgate.sync]\nenabled = false\n")
    (repo / ".gitignore").write_text(".nbgate/\n.bench-ready\n")
    shas = []
    for index in range(count):
        path = repo / "notebooks" / f"{index // 100:03d}" / f"report_{index:05d}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nb = _notebook(index)
        path.write_bytes(notebook.dumps(nb))
        shas.append(source_sha256(nb))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "notebooks")
    commit = _git(repo, "rev-parse", "HEAD").strip()
    for index, sha in enumerate(shas):
        _write_schedule(repo, index, sha, commit)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "registry")
    marker.write_text(f"{LAYOUT_VERSION} {count}")
    return repo


def _write_schedule(repo: Path, index: int, sha: str, commit: str) -> None:
    name = f"report-{index:05d}"
    notebook_path = f"notebooks/{index // 100:03d}/report_{index:05d}.ipynb"
    evidence = {
        "schema": 1,
        "path": notebook_path,
        "source_sha256": sha,
        "parameters": {"limit": 3},
        "outcome": "passed",
        "duration": 1.0 + index % 50 / 10,
        "kernel": "python3",
        "versions": {
            "python": "3.11.7",
            "papermill": "2.7.0",
            "nbgate": "0.1.0",
            "nbclient": "0.10.2",
            "jupyter_client": "8.6.3",
        },
        "output": {
            "path": f".nbgate/runs/smoke/report_{index:05d}.{sha[:12]}.ipynb",
            "sha256": sha,
        },
        "time": "2024-05-01T06:00:00Z",
    }
    first = model.Revision(
        name=name,
        rev=1,
        action=model.PROMOTE,
        notebook=notebook_path,
        source_sha256=sha,
        commit=commit,
        schedule=f"{index % 60} {index % 24} * * {'1-5' if index % 2 else '*'}",
        timezone=ZONES[index % len(ZONES)],
        parameters={"region": "eu", "limit": index},
        execution=model.ExecutionSettings(timeout=1800.0, retries=index % 3),
        output="s3://reports/{name}/{date}/{run_id}.ipynb",
        owners=(f"team-{index % 17}@example.com",),
        evidence=evidence,
        promoted_by="Bench <bench@example.com>",
        promoted_at="2024-05-01T06:00:00Z",
    )
    folder = repo / "registry" / name
    folder.mkdir(parents=True)
    previous = None
    for rev, action in ((1, model.PROMOTE), (2, model.PAUSE), (3, model.RESUME)):
        revision = dataclasses.replace(
            first,
            rev=rev,
            action=action,
            previous_sha256=previous,
            source_rev=None if rev == 1 else rev - 1,
        )
        data = model.dumps(revision)
        (folder / model.filename(rev)).write_bytes(data)
        previous = sha256_bytes(data)


def main() -> None:
    parser = common_args(__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=None,
        help="comma-separated schedule counts (default 1000,3000,10000; quick: 300,1000)",
    )
    args = parser.parse_args()
    runs = runs_from(args, default=3)
    sizes = [
        int(s) for s in (args.sizes or ("300,1000" if args.quick else "1000,3000,10000")).split(",")
    ]
    work = work_dir("registry")
    script = work / "load_yaml.py"
    script.write_text(LOAD)
    nbgate = tool("nbgate")
    growth: list[tuple[int, Timing, Timing, Timing]] = []
    for size in sizes:
        print(f"building {size} schedules x 3 revisions ...", flush=True)
        repo = build(work / str(size), size)
        cases = [
            Case("nbgate registry verify", [nbgate, "registry", "verify"]),
            Case("PyYAML pure (load only)", [sys.executable, str(script), "pure"]),
            Case("PyYAML C (load only)", [sys.executable, str(script), "c"]),
        ]
        run_once(cases[0], cwd=repo)  # warms the OS cache for every case (and checks verify passes)
        timings = interleaved(cases, runs=runs, cwd=repo, warmup=False)
        print_table(
            f"registry verify, {size} schedules x 3 revisions ({3 * size} files, {size} notebooks)",
            timings,
            baseline="nbgate registry verify",
        )
        growth.append((size, *timings))
        # the pre-commit hook on a commit that touches nothing promoted, vs one that edits a promoted notebook
        hook_cases = [
            Case("nbgate --version (start-up)", [nbgate, "--version"]),
            Case(
                "verify --hook, unrelated file",
                [nbgate, "registry", "verify", "--hook", "pyproject.toml"],
            ),
            Case(
                "verify --hook, promoted notebook",
                [nbgate, "registry", "verify", "--hook", "notebooks/000/report_00000.ipynb"],
            ),
        ]
        print_table(
            f"nbgate-registry hook, {size} schedules",
            interleaved(hook_cases, runs=runs, cwd=repo),
            baseline="nbgate --version (start-up)",
        )
    first_size, first_verify = growth[0][0], growth[0][1].median
    print("growth")
    print(
        f"{'schedules':>9}  {'files':>6}  {'verify s':>8}  {'ms/1000 schedules':>17}  {'x size':>6}  "
        f"{'x time':>6}  {'pure / verify':>13}  {'C / verify':>10}"
    )
    for size, verify, pure, c_loader in growth:
        print(
            f"{size:>9}  {3 * size:>6}  {verify.median:>8.3f}  {verify.median / size * 1e6:>17.1f}  "
            f"{size / first_size:>6.1f}  {verify.median / first_verify:>6.2f}  "
            f"{pure.median / verify.median:>12.1f}x  {c_loader.median / verify.median:>9.1f}x"
        )


if __name__ == "__main__":
    main()
