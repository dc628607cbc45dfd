"""Timing helpers shared by the benchmarks: whole-process wall times, medians, tables.

Typical use::

    from _timing import Case, fresh_copy, median_wall, print_table, tool, work_dir

    work = work_dir("strip")                      # benchmarks/.work/strip/
    corpus = work / "corpus"; generate(corpus)
    run_dir = work / "run"
    cases = [
        Case("nbgate strip", [tool("nbgate"), "strip", "."], setup=lambda: fresh_copy(corpus, run_dir)),
        Case("nbstripout", [tool("nbstripout"), *files], setup=...),
    ]
    results = [median_wall(case, runs=5, cwd=run_dir) for case in cases]
    print_table("strip, 300 notebooks", results, baseline="nbgate strip")

* ``tool(name)`` finds a console script next to the running interpreter first
  (so version-manager shims, which add 30 to 100 ms per start, are bypassed).
* ``median_wall`` runs ``setup`` (untimed, e.g. a fresh copy of the corpus)
  before every timed run, then times the whole process with ``perf_counter``.
  It checks the exit code against ``Case.ok_codes`` and raises if the tool
  failed, so a broken comparison never prints a fast-looking number.
* ``interleaved`` does the same for several cases, alternating them run by
  run so background load hits every tool alike (prefer it for comparisons).
* Importing this module unsets ``PYTHONDONTWRITEBYTECODE`` for the timed
  processes (see the comment at the top).
* ``print_table`` prints median/best wall seconds and each row's ratio to the
  baseline row (``2.50x`` = 2.5 times the baseline's time), plus median CPU
  seconds (user + system of the process and its children), which stay
  meaningful when the machine is busy.
* ``common_args()`` gives the ``--quick`` / ``--runs`` flags every benchmark takes.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent

# Time tools as installed: pip writes .pyc files at install time, but some
# sandboxes set PYTHONDONTWRITEBYTECODE, which makes every run of a checkout
# (editable install) recompile all of its modules, 100+ ms per start. Without
# it the untimed warm-up run writes the .pyc files (gitignored __pycache__).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


class Case(NamedTuple):
    """One command to time."""

    label: str
    argv: Sequence[str]
    setup: Callable[[], object] | None = None
    ok_codes: tuple[int, ...] = (0,)
    env: Mapping[str, str] | None = None


class Timing(NamedTuple):
    """Wall times (and CPU times: user + system, the process and its children) of one case."""

    label: str
    times: tuple[float, ...]
    returncode: int
    cpu: tuple[float, ...] = ()

    @property
    def median(self) -> float:
        """Median wall seconds."""
        return statistics.median(self.times)

    @property
    def cpu_median(self) -> float:
        """Median CPU seconds (user + system), a steadier number on a busy machine."""
        return statistics.median(self.cpu) if self.cpu else float("nan")

    @property
    def best(self) -> float:
        """Fastest run, wall seconds."""
        return min(self.times)


def work_dir(name: str) -> Path:
    """``benchmarks/.work/<name>/`` (gitignored), created if missing."""
    path = BENCH_DIR / ".work" / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def tool(name: str) -> str:
    """The executable for a console script, preferring the running interpreter's bin folder."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"benchmark needs {name!r} on PATH (pip install it)")
    return found


def fresh_copy(source: Path, target: Path) -> Path:
    """Replace ``target`` with a copy of the folder ``source``."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    return target


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(case: Case, *, cwd: Path | None = None) -> tuple[float, int, float]:
    """Run ``case.setup`` (untimed), then the command once: (wall seconds, exit code, CPU seconds)."""
    if case.setup is not None:
        case.setup()
    env = None if case.env is None else {**os.environ, **case.env}
    cpu = _cpu()
    started = time.perf_counter()
    done = subprocess.run(
        list(case.argv),
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    wall = time.perf_counter() - started
    cpu = _cpu() - cpu
    if done.returncode not in case.ok_codes:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise RuntimeError(
            f"{case.label}: exit {done.returncode} (expected {case.ok_codes}): {' | '.join(tail)}"
        )
    return wall, done.returncode, cpu


def median_wall(
    case: Case, *, runs: int = 5, cwd: Path | None = None, warmup: bool = True
) -> Timing:
    """Time ``case`` ``runs`` times (after one untimed warm-up run, for the OS caches)."""
    return interleaved([case], runs=runs, cwd=cwd, warmup=warmup)[0]


def interleaved(
    cases: Sequence[Case], *, runs: int = 5, cwd: Path | None = None, warmup: bool = True
) -> list[Timing]:
    """Time each case ``runs`` times, alternating cases run by run.

    Alternating spreads background noise (other processes on a shared
    machine) evenly over the tools being compared. One untimed warm-up run
    per case comes first (OS caches, .pyc files).
    """
    if warmup:
        for case in cases:
            run_once(case, cwd=cwd)
    times: list[list[float]] = [[] for _ in cases]
    cpus: list[list[float]] = [[] for _ in cases]
    codes = [0] * len(cases)
    for _ in range(runs):
        for i, case in enumerate(cases):
            wall, codes[i], cpu = run_once(case, cwd=cwd)
            times[i].append(wall)
            cpus[i].append(cpu)
    return [
        Timing(case.label, tuple(t), code, tuple(c))
        for case, t, code, c in zip(cases, times, codes, cpus, strict=False)
    ]


def format_table(title: str, timings: Sequence[Timing], *, baseline: str) -> str:
    """A plain-text table: median and best wall seconds, ratio to ``baseline``, median CPU seconds."""
    base = next(t for t in timings if t.label == baseline)
    headers = ["command", "median s", "best s", f"x {baseline}", "cpu s", "cpu x", "runs"]
    rows = [
        [
            t.label,
            f"{t.median:.3f}",
            f"{t.best:.3f}",
            f"{t.median / base.median:.2f}x",
            f"{t.cpu_median:.3f}",
            f"{t.cpu_median / base.cpu_median:.2f}x" if base.cpu_median else "-",
            str(len(t.times)),
        ]
        for t in timings
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=False)]
        return "  ".join([first, *rest])

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([title, line(headers), rule, *(line(r) for r in rows)])


def print_table(title: str, timings: Sequence[Timing], *, baseline: str) -> None:
    """Print ``format_table`` followed by a blank line."""
    print(format_table(title, timings, baseline=baseline))
    print(flush=True)


def common_args(description: str) -> argparse.ArgumentParser:
    """An argument parser with ``--quick`` (fewer runs, smaller corpus) and ``--runs N``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick", action="store_true", help="small corpus, 3 runs: for development"
    )
    parser.add_argument(
        "--runs", type=int, default=None, help="timed runs per command (default 5, quick 3)"
    )
    return parser


def runs_from(args: argparse.Namespace, default: int = 5) -> int:
    """The number of timed runs: ``--runs``, else 3 with ``--quick``, else ``default`` (at least 3)."""
    if args.runs is not None:
        return max(3, args.runs)
    return 3 if args.quick else default
