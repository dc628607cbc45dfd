"""Benchmark ``nbgate sync --check`` against ``jupytext --sync``, side by side in one run.

    python benchmarks/sync.py [--quick] [--runs N] [--count N] [--corpus outputs|stripped|magics ...]

Generates the shared corpus (``benchmarks/corpus.py`` with ``pair=True``:
300 realistic notebooks, each with an in-sync ``py:percent`` twin and
``jupytext.formats`` in its metadata, so ``jupytext --sync`` knows the
pairing) three times under ``benchmarks/.work/sync``: notebooks with outputs (as
paired notebooks are usually kept), strip-clean ones, and notebooks with
outputs where every one holds the IPython real notebooks do (``magics=True``:
``%matplotlib inline``, ``!pip install``, ``%%time``, ``%load_ext autoreload``,
``%%html``/``%%bash`` cells, ``x = !ls``, ``df?``) and cell options (slideshow
keys, hidden inputs, a frozen cell). On that corpus ``nbgate sync --check`` is
also timed with ``NBGATE_NO_FAST_PATHS=1`` (every twin read by jupytext). Both tools get the
same list of notebooks, a fresh copy of the corpus before every run (jupytext
rewrites files), and are timed as whole processes (median of ``--runs``,
default 5, after one untimed warm-up; the tools alternate run by run).
``nbgate sync`` without ``--check`` is timed too: on in-sync pairs it writes
nothing. Before timing, the benchmark checks that every pair is in sync for
nbgate and still in sync after ``jupytext --sync``.

Targets: ``nbgate sync --check`` at least 5x faster than ``jupytext --sync``
on the same in-sync pairs (issue 3), and at least 10x on the magics corpus
(issue 13.10).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import (
    Case,
    Timing,
    common_args,
    fresh_copy,
    interleaved,
    print_table,
    run_once,
    runs_from,
    tool,
    work_dir,
)
from corpus import generate


def _ratio(timings: list[Timing], slow: str, fast: str) -> float:
    by_label = {t.label: t.median for t in timings}
    return by_label[slow] / by_label[fast]


def _bench(
    label: str, corpus: Path, run_dir: Path, runs: int, *, no_fast: bool = False
) -> list[Timing]:
    names = sorted(p.name for p in corpus.glob("*.ipynb"))
    nbgate, jupytext = tool("nbgate"), tool("jupytext")

    def copy() -> None:
        fresh_copy(corpus, run_dir)

    # correctness first: nbgate sees every pair in sync, before and after jupytext touched them
    copy()
    run_once(Case("nbgate sync --check", [nbgate, "sync", "--check", *names]), cwd=run_dir)
    run_once(Case("jupytext --sync", [jupytext, "--sync", *names]), cwd=run_dir)
    run_once(Case("nbgate sync --check", [nbgate, "sync", "--check", *names]), cwd=run_dir)

    cases = [
        Case("nbgate sync --check", [nbgate, "sync", "--check", *names], setup=copy),
        Case("nbgate sync", [nbgate, "sync", *names], setup=copy),
        Case("jupytext --sync", [jupytext, "--sync", *names], setup=copy),
    ]
    if no_fast:
        cases.insert(
            1,
            Case(
                "sync --check, NBGATE_NO_FAST_PATHS=1",
                [nbgate, "sync", "--check", *names],
                setup=copy,
                env={"NBGATE_NO_FAST_PATHS": "1"},
            ),
        )
    timings = interleaved(cases, runs=runs, cwd=run_dir)
    print_table(f"{label}, wall seconds", timings, baseline="nbgate sync --check")
    return timings


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its tables."""
    parser = common_args(__doc__.splitlines()[0])
    parser.add_argument(
        "--count", type=int, default=None, help="pairs in the corpus (default 300, quick 60)"
    )
    parser.add_argument(
        "--corpus",
        nargs="+",
        choices=("outputs", "stripped", "magics"),
        default=["outputs", "stripped", "magics"],
        help="which corpora to time (default: all)",
    )
    args = parser.parse_args(argv)
    runs = runs_from(args)
    count = args.count or (60 if args.quick else 300)

    work = work_dir("sync")
    with_outputs, clean, magics = work / "outputs", work / "clean", work / "magics"
    run_dir = work / "run"
    for folder in (with_outputs, clean, magics):
        if folder.exists():
            shutil.rmtree(folder)
    generate(with_outputs, count, pair=True)
    generate(clean, count, dirty=False, pair=True)
    generate(magics, count, pair=True, magics=True)
    sizes = [
        sum(p.stat().st_size for p in folder.glob("*.ipynb")) / 1e6
        for folder in (with_outputs, clean, magics)
    ]
    print(
        f"corpus: {count} pairs (notebook + py:percent twin), notebooks {sizes[0]:.1f} MB with outputs, "
        f"{sizes[1]:.1f} MB stripped, {sizes[2]:.1f} MB with magics; {runs} runs each\n"
    )

    tables = []
    if "outputs" in args.corpus:
        tables.append(
            (
                "with outputs",
                5.0,
                _bench(
                    f"{count} in-sync pairs, notebooks with outputs", with_outputs, run_dir, runs
                ),
            )
        )
    if "stripped" in args.corpus:
        tables.append(
            (
                "stripped",
                5.0,
                _bench(f"{count} in-sync pairs, stripped notebooks", clean, run_dir, runs),
            )
        )
    if "magics" in args.corpus:
        tables.append(
            (
                "magics and cell options",
                10.0,
                _bench(
                    f"{count} in-sync pairs, every notebook with magics and cell options",
                    magics,
                    run_dir,
                    runs,
                    no_fast=True,
                ),
            )
        )
    print("targets")
    for name, target, timings in tables:
        ratio = _ratio(timings, "jupytext --sync", "nbgate sync --check")
        print(
            f"  {'met   ' if ratio >= target else 'MISSED'}  {name}: nbgate sync --check >= {target:.0f}x faster "
            f"than jupytext --sync  (jupytext/nbgate = {ratio:.1f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
