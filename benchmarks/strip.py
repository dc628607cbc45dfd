"""Benchmark ``nbgate strip`` against nbstripout and nb-clean, side by side in one run.

    python benchmarks/strip.py [--quick] [--runs N] [--count N]

Generates the shared corpus (``benchmarks/corpus.py``: 300 realistic notebooks,
about 30 MB, plus the same notebooks strip-clean) under ``benchmarks/.work/strip``
and times whole processes (median of ``--runs``, default 5, after one untimed
warm-up; the tools alternate run by run so background noise hits them alike):

1. in-place clean of the dirty corpus, a fresh copy before every run;
2. check mode on the clean corpus (every tool must report it clean);
3. start-up: check mode on one clean notebook.

Every tool gets the notebooks as a list of file names, as pre-commit passes
them. Flags make the peers do comparable work: ``nbstripout --keep-id`` (it
renumbers ids otherwise, nbgate never does) and ``nb-clean
--preserve-cell-metadata-field tags`` (nbgate keeps tags). After the timed
runs the benchmark checks that ``nbgate strip`` produced exactly the clean
corpus, byte for byte.

Targets (issue 2): nbgate at most 1.0x nb-clean's wall time, at least 8x
faster than nbstripout, one-file ``--check`` under 100 ms. The start-up table
also times ``python -c pass``: the floor for any Python tool on this machine.
``--baseline DIR`` adds rows for the nbgate package in DIR (run with
``python -m nbgate`` and ``PYTHONPATH=DIR``) to compare before and after a change.
"""

from __future__ import annotations

import filecmp
import shutil
import sys
from collections.abc import Callable
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


def _ratio(timings: list[Timing], label: str, base: str = "nbgate") -> float:
    by_label = {t.label.split()[0]: t.median for t in timings}
    return by_label[label] / by_label[base]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its tables."""
    parser = common_args(__doc__.splitlines()[0])
    parser.add_argument(
        "--count", type=int, default=None, help="notebooks in the corpus (default 300, quick 60)"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="DIR",
        help="also time the nbgate package found in DIR (e.g. an older copy), as nbgate@baseline",
    )
    args = parser.parse_args(argv)
    runs = runs_from(args)
    count = args.count or (60 if args.quick else 300)

    work = work_dir("strip")
    dirty = work / "dirty"
    clean = work / "clean"
    run_dir = work / "run"
    for folder in (dirty, clean):
        if folder.exists():
            shutil.rmtree(folder)
    dirty_paths = generate(dirty, count)
    generate(clean, count, dirty=False)
    names = [p.name for p in dirty_paths]
    size = sum(p.stat().st_size for p in dirty_paths) / 1e6
    clean_size = sum((clean / n).stat().st_size for n in names) / 1e6
    print(
        f"corpus: {count} notebooks, {size:.1f} MB dirty, {clean_size:.1f} MB clean; {runs} runs each\n"
    )

    nbgate, nbstripout, nb_clean = tool("nbgate"), tool("nbstripout"), tool("nb-clean")
    tags = ["--preserve-cell-metadata-field", "tags"]

    def copy() -> None:
        fresh_copy(dirty, run_dir)

    def baseline(
        label: str, argv: list[str], setup: Callable[[], None] | None = None
    ) -> list[Case]:
        if args.baseline is None:
            return []
        env = {"PYTHONPATH": str(args.baseline.resolve())}
        return [Case(label, [sys.executable, "-m", "nbgate", *argv], setup=setup, env=env)]

    in_place = interleaved(
        [
            Case("nbgate strip", [nbgate, "strip", *names], setup=copy),
            *baseline("nbgate@baseline strip", ["strip", *names], copy),
            Case("nb-clean clean", [nb_clean, "clean", *tags, *names], setup=copy),
            Case("nbstripout", [nbstripout, "--keep-id", *names], setup=copy),
        ],
        runs=runs,
        cwd=run_dir,
    )
    # the last timed run was nbstripout's: redo nbgate's and compare with the clean corpus
    copy()
    run_once(Case("nbgate strip", [nbgate, "strip", *names]), cwd=run_dir)
    mismatched = [n for n in names if not filecmp.cmp(run_dir / n, clean / n, shallow=False)]
    if mismatched:
        raise SystemExit(
            f"nbgate strip did not produce the clean corpus for {len(mismatched)} files: {mismatched[:3]}"
        )
    print_table(
        f"in-place clean, {count} dirty notebooks ({size:.0f} MB), wall seconds",
        in_place,
        baseline="nbgate strip",
    )

    check = interleaved(
        [
            Case("nbgate strip --check", [nbgate, "strip", "--check", *names]),
            *baseline("nbgate@baseline strip --check", ["strip", "--check", *names]),
            Case("nb-clean check", [nb_clean, "check", *tags, *names]),
            Case("nbstripout --verify", [nbstripout, "--keep-id", "--verify", *names]),
        ],
        runs=runs,
        cwd=clean,
    )
    print_table(
        f"check mode, {count} clean notebooks, wall seconds", check, baseline="nbgate strip --check"
    )

    one = names[0]
    startup = interleaved(
        [
            Case("nbgate strip --check one", [nbgate, "strip", "--check", one]),
            *baseline("nbgate@baseline strip --check one", ["strip", "--check", one]),
            Case("nb-clean check one", [nb_clean, "check", *tags, one]),
            Case("nbstripout --verify one", [nbstripout, "--keep-id", "--verify", one]),
            Case("python -c pass (floor)", [sys.executable, "-c", "pass"]),
        ],
        runs=max(runs, 10),
        cwd=clean,
    )
    print_table(
        "start-up: check one clean notebook, wall seconds",
        startup,
        baseline="nbgate strip --check one",
    )

    single = startup[0].median
    verdicts = [
        (
            "in-place: nbgate <= 1.0x nb-clean",
            _ratio(in_place, "nb-clean") >= 1.0,
            f"nb-clean/nbgate = {_ratio(in_place, 'nb-clean'):.2f}",
        ),
        (
            "in-place: nbgate >= 8x faster than nbstripout",
            _ratio(in_place, "nbstripout") >= 8.0,
            f"nbstripout/nbgate = {_ratio(in_place, 'nbstripout'):.1f}",
        ),
        (
            "check: nbgate <= 1.0x nb-clean",
            _ratio(check, "nb-clean") >= 1.0,
            f"nb-clean/nbgate = {_ratio(check, 'nb-clean'):.2f}",
        ),
        (
            "check: nbgate >= 8x faster than nbstripout",
            _ratio(check, "nbstripout") >= 8.0,
            f"nbstripout/nbgate = {_ratio(check, 'nbstripout'):.1f}",
        ),
        ("one-file --check < 100 ms", single < 0.100, f"{single * 1000:.0f} ms"),
    ]
    print("targets")
    for name, met, detail in verdicts:
        print(f"  {'met   ' if met else 'MISSED'}  {name}  ({detail})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
