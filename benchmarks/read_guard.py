"""What refusing duplicate keys and deep nesting costs on every notebook read, in process.

    python benchmarks/read_guard.py [--runs N] [--count N]

Reads the shared corpus (``benchmarks/corpus.py``, dirty notebooks with
outputs) into memory and times, per pass over all of it (median of
``--runs``): orjson alone (no guard: what nbgate did before), nbgate's
``notebook.loads`` (orjson + the guard + structure checks), the guard alone
(``jsonsafe.check_shape``: one iterative walk plus byte counts), the naive
duplicate check (``json.loads`` with an ``object_pairs_hook``), and
``nbformat.reads`` as the peer reader.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus import generate

from nbgate import jsonsafe, notebook


def _time(work: Callable[[], object], runs: int) -> float:
    work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args(argv)
    work = Path(__file__).resolve().parent / ".work" / "read_guard"
    raws = [path.read_bytes() for path in generate(work, count=args.count)]
    parsed = [orjson.loads(raw) for raw in raws]
    import nbformat

    def strict_stdlib() -> None:
        for raw in raws:
            jsonsafe.loads_strict(raw.decode("utf-8"))

    rows = [
        ("orjson.loads (no guard)", lambda: [orjson.loads(raw) for raw in raws]),
        ("nbgate notebook.loads", lambda: [notebook.loads(raw) for raw in raws]),
        (
            "guard alone (check_shape)",
            lambda: [jsonsafe.check_shape(v, r) for v, r in zip(parsed, raws, strict=False)],
        ),
        ("json.loads + pairs hook", strict_stdlib),
        (
            "nbformat.reads",
            lambda: [
                nbformat.reads(raw.decode("utf-8"), as_version=nbformat.NO_CONVERT) for raw in raws
            ],
        ),
    ]
    size = sum(len(raw) for raw in raws) / 1e6
    print(f"corpus: {len(raws)} notebooks, {size:.1f} MB; median of {args.runs} passes")
    base = None
    print(f"{'reader':30} {'median s':>9} {'x orjson':>9}")
    for name, job in rows:
        seconds = _time(job, args.runs)
        base = base or seconds
        print(f"{name:30} {seconds:9.4f} {seconds / base:8.2f}x")
    slow = sum(
        1
        for v, r in zip(parsed, raws, strict=False)
        if jsonsafe._key_bound(r) != jsonsafe._keys_and_depth(v)[0]
    )
    print(f"notebooks needing the slow duplicate check: {slow} of {len(raws)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
