"""Benchmark ``nbgate run`` against ``papermill`` on one notebook, and ``nbgate export`` at scale.

1. Whole-process wall time of ``nbgate run daily-sales --date 2024-01-01``
   (registry lookup, promoted content from git, identity check, papermill
   execution, exclusive output, run index) against the ``papermill`` CLI
   executing the same notebook with the same parameters in the same folder,
   alternating run by run. Target: within 1.2x of papermill.
2. ``nbgate export cron|k8s|airflow`` over a registry of 10,000 active
   schedules (1,000 with ``--quick``), written with the registry store API
   and kept under ``benchmarks/.work/run/`` between runs.

Usage: ``python benchmarks/run.py [--quick] [--runs N]``
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _timing import ROOT, Case, common_args, interleaved, print_table, runs_from, tool, work_dir

from nbgate import config as config_module
from nbgate.identity import source_sha256
from nbgate.notebook import read
from nbgate.registry import model, store

DEMO = ROOT / "fixtures" / "demo" / "notebooks" / "daily_sales.ipynb"
PARAMETERS = {"region": "eu", "sample": True}


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={"GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd), "PATH": "/usr/bin:/bin"},
    )
    return done.stdout.strip()


def _revision(
    name: str,
    notebook: str,
    sha: str,
    commit: str,
    *,
    schedule: str = "0 6 * * *",
    timezone: str = "UTC",
) -> model.Revision:
    return model.Revision(
        name=name,
        rev=1,
        action=model.PROMOTE,
        notebook=notebook,
        source_sha256=sha,
        commit=commit,
        schedule=schedule,
        timezone=timezone,
        parameters=dict(PARAMETERS),
        execution=model.ExecutionSettings(timeout=600.0, retries=1, concurrency=1),
        owners=("bench",),
        evidence={"source_sha256": sha, "outcome": "passed"},
        promoted_by="benchmark",
        promoted_at="2024-01-01T00:00:00Z",
    )


def run_project(work: Path) -> Path:
    """A git repository with the demo notebook promoted as ``daily-sales``."""
    project = work / "project"
    if project.exists():
        shutil.rmtree(project)
    (project / "notebooks").mkdir(parents=True)
    shutil.copy(DEMO, project / "notebooks" / "daily_sales.ipynb")
    (project / "pyproject.toml").write_text('[tool.nbgate]\ninclude = ["notebooks/**/*.ipynb"]\n')
    (project / ".gitignore").write_text(".nbgate/\nnotebooks/output/\nout/\n")
    _git(project, "init", "-q", "-b", "main")
    _git(project, "-c", "user.name=b", "-c", "user.email=b@example.com", "add", "-A")
    _git(
        project, "-c", "user.name=b", "-c", "user.email=b@example.com", "commit", "-q", "-m", "demo"
    )
    commit = _git(project, "rev-parse", "HEAD")
    config = config_module.load(project, env={})
    sha = source_sha256(read(project / "notebooks" / "daily_sales.ipynb").nb)
    store.create_revision(
        config, _revision("daily-sales", "notebooks/daily_sales.ipynb", sha, commit)
    )
    (project / "out").mkdir()
    return project


_ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney")


def export_project(work: Path, count: int) -> Path:
    """A project whose registry holds ``count`` active schedules (reused when already there)."""
    project = work / f"export-{count}"
    stamp = project / ".complete"
    if stamp.exists():
        return project
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    (project / "pyproject.toml").write_text("[tool.nbgate]\n")
    config = config_module.load(project, env={})
    started = time.perf_counter()
    for i in range(count):
        revision = _revision(
            f"schedule-{i:05d}",
            f"notebooks/nb_{i % 50:02d}.ipynb",
            f"{i:064x}",
            "a" * 40,
            schedule=f"{i % 60} {i % 24} * * *",
            timezone=_ZONES[i % len(_ZONES)],
        )
        store.create_revision(config, revision)
    print(
        f"generated a registry of {count} schedules in {time.perf_counter() - started:.1f}s (store API)\n"
    )
    stamp.write_text("")
    return project


def main() -> None:
    parser = common_args(__doc__ or "")
    args = parser.parse_args()
    runs = runs_from(args, default=5)
    work = work_dir("run")
    nbgate, papermill = tool("nbgate"), tool("papermill")

    project = run_project(work)
    params = [item for key, value in PARAMETERS.items() for item in ("-p", key, str(value))]
    cases = [
        Case("nbgate run", [nbgate, "-q", "run", "daily-sales", "--date", "2024-01-01"]),
        Case(
            "papermill",
            [
                papermill,
                "notebooks/daily_sales.ipynb",
                "out/papermill.ipynb",
                *params,
                "-p",
                "run_date",
                "2024-01-01",
                "--cwd",
                "notebooks",
            ],
        ),
        Case(
            "papermill (no progress bar, one save)",
            [
                papermill,
                "notebooks/daily_sales.ipynb",
                "out/papermill-lean.ipynb",
                *params,
                "-p",
                "run_date",
                "2024-01-01",
                "--cwd",
                "notebooks",
                "--no-progress-bar",
                "--no-request-save-on-cell-execute",
            ],
        ),
    ]
    timings = interleaved(cases, runs=runs, cwd=project)
    print_table(
        "nbgate run vs papermill, demo daily_sales.ipynb (7 cells), whole process",
        timings,
        baseline="papermill",
    )

    count = 1_000 if args.quick else 10_000
    exports = export_project(work, count)
    out = exports / "out"
    export_cases = [
        Case("export cron (stdout)", [nbgate, "export", "cron", "--allow-defaults"]),
        Case(
            "export k8s --out",
            [nbgate, "export", "k8s", "--allow-defaults", "--out", str(out / "k8s")],
            setup=lambda: shutil.rmtree(out / "k8s", ignore_errors=True),
        ),
        Case(
            "export airflow --out",
            [nbgate, "export", "airflow", "--allow-defaults", "--out", str(out / "airflow")],
            setup=lambda: shutil.rmtree(out / "airflow", ignore_errors=True),
        ),
        Case(
            "export airflow --out (unchanged)",
            [nbgate, "export", "airflow", "--allow-defaults", "--out", str(out / "airflow")],
        ),
    ]
    export_timings = interleaved(export_cases, runs=runs, cwd=exports)
    print_table(
        f"nbgate export, {count:,} active schedules, whole process",
        export_timings,
        baseline="export cron (stdout)",
    )

    # where an export's time goes, in process
    from nbgate.production.export import ExportOptions, render
    from nbgate.production.export.jobs import export_jobs

    config = config_module.load(exports, env={})
    started = time.perf_counter()
    jobs = export_jobs(config)
    loaded = time.perf_counter() - started
    parts = [f"load registry {loaded:.2f}s"]
    for kind in ("cron", "k8s", "airflow"):
        started = time.perf_counter()
        render(kind, jobs, ExportOptions.default()._replace(workdir=str(exports)))
        parts.append(f"render {kind} {time.perf_counter() - started:.2f}s")
    print(f"in process, {len(jobs):,} schedules: " + ", ".join(parts))


if __name__ == "__main__":
    main()
