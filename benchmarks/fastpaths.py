"""Each fast path against the library behaviour it replaces, switched with ``NBGATE_NO_FAST_PATHS``.

    python benchmarks/fastpaths.py [--quick] [--runs N] [--only NAME,NAME]

For each fast path of ``nbgate.fastpaths`` that a short command exercises,
times the same whole process twice, alternating run by run (median of
``--runs``, default 5, after one untimed warm-up): with every fast path on,
and with ``NBGATE_NO_FAST_PATHS=<that one>`` (so it falls back to the
library). The commands:

* ``notebook-reader``: ``nbgate strip --check`` on 300 notebooks with
  outputs (29 MB: it reads them all and writes nothing);
* ``notebook-writer`` and ``parallel-workers``: ``nbgate strip`` in place on
  300 dirty notebooks (a fresh copy before each run);
* ``yaml-reader``: ``nbgate registry verify`` on 2,000 schedules x 3
  revisions (``benchmarks/registry.py`` builds it);
* ``lint-schema-cache``: ``nbgate lint`` of one notebook (the cache warm);
* ``lazy-iri-grammar``: ``import nbformat`` the way nbgate does it.

``percent-reader``, ``forked-kernels`` and ``libpq-reads`` have their own
benchmarks (``sync.py``, ``smoke.py``, ``index.py``), which time them the
same way. Every command must exit 0 in both modes, or the run stops.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import (
    Case,
    common_args,
    fresh_copy,
    interleaved,
    print_table,
    runs_from,
    tool,
    work_dir,
)
from corpus import generate
from registry import build

IMPORT = "from nbgate import lazyimport; lazyimport.import_module('nbformat')"


def _pair(name: str, label: str, argv: list[str], **kw: object) -> list[Case]:
    return [
        Case(f"{label} (fast)", argv, **kw),  # type: ignore[arg-type]
        Case(f"{label} ({name} off)", argv, env={"NBGATE_NO_FAST_PATHS": name}, **kw),
    ]  # type: ignore[arg-type]


def main() -> None:
    parser = common_args(__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", default="", help="comma-separated fast paths to time (default: all of them)"
    )
    args = parser.parse_args()
    runs = runs_from(args)
    only = {n.strip() for n in args.only.split(",") if n.strip()}
    count = 60 if args.quick else 300
    work = work_dir("fastpaths")
    nbgate = tool("nbgate")
    dirty = work / "dirty"
    clean = work / "clean"
    if not dirty.exists():
        generate(dirty, count, seed=0, dirty=True)
        generate(clean, count, seed=0, dirty=False)
    run_dir = work / "run"
    # explicit names: benchmarks/.work is gitignored, and a folder argument would skip it
    names = sorted(p.name for p in dirty.glob("*.ipynb"))
    plan: list[tuple[str, str, list[str], dict[str, object], Path]] = [
        (
            "notebook-reader",
            f"strip --check, {count} notebooks with outputs",
            [nbgate, "strip", "--check", *names],
            {"ok_codes": (1,)},
            dirty,
        ),
        (
            "notebook-writer",
            f"strip in place, {count} dirty notebooks",
            [nbgate, "strip", *names],
            {"setup": lambda: fresh_copy(dirty, run_dir)},
            run_dir,
        ),
        (
            "parallel-workers",
            f"strip in place, {count} dirty notebooks",
            [nbgate, "strip", *names],
            {"setup": lambda: fresh_copy(dirty, run_dir)},
            run_dir,
        ),
        (
            "lint-schema-cache",
            "lint one notebook",
            [nbgate, "lint", names[0]],
            {"ok_codes": (0, 1)},
            clean,
        ),
        ("lazy-iri-grammar", "import nbformat", [sys.executable, "-c", IMPORT], {}, work),
    ]
    if not only or "yaml-reader" in only:
        size = 300 if args.quick else 2000
        print(f"building {size} schedules x 3 revisions ...", flush=True)
        repo = build(work_dir("registry") / str(size), size)
        plan.append(
            (
                "yaml-reader",
                f"registry verify, {size} schedules",
                [nbgate, "registry", "verify"],
                {},
                repo,
            )
        )
    for name, label, argv, kw, cwd in plan:
        if only and name not in only:
            continue
        cases = _pair(name, label, argv, **kw)
        print_table(
            f"{name}: {label}", interleaved(cases, runs=runs, cwd=cwd), baseline=cases[0].label
        )


if __name__ == "__main__":
    main()
