"""Benchmark ``nbgate lint`` (every rule) against ``nbformat.validate`` alone, side by side in one run.

    python benchmarks/lint.py [--quick] [--runs N] [--count N]

Generates the shared corpus (``benchmarks/corpus.py``: 300 realistic notebooks
with outputs, about 30 MB, and the same notebooks strip-clean) under
``benchmarks/.work/lint`` and times whole processes (median of ``--runs``,
default 5, after one untimed warm-up; commands alternate run by run):

* ``nbgate lint FILES``: all 23 rules, schema validation included, text report;
* ``nbgate lint --select NBG001 FILES``: only the schema rule, for a like-for-like
  look at the validator;
* ``nbgate lint`` with an empty schema cache (``XDG_CACHE_HOME`` emptied before
  each run), the first run on a machine;
* the peer: a script that reads each file with ``json`` and calls
  ``nbformat.validate`` (nbformat's default validator, fastjsonschema).

Before timing, the benchmark checks that both sides agree: nbformat finds
every corpus notebook valid, and nbgate reports no NBG001.

Target (issue 3): ``nbgate lint`` with every rule faster than ``nbformat.validate`` alone.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import Case, Timing, common_args, interleaved, print_table, runs_from, tool, work_dir
from corpus import generate

VALIDATE = '''\
"""Validate notebooks with nbformat's default validator, nothing else."""
import json
import sys

import nbformat

for name in sys.argv[1:]:
    with open(name, encoding="utf-8") as handle:
        nbformat.validate(json.load(handle))
'''


def _agree(nbgate: str, script: Path, folder: Path, names: list[str]) -> None:
    """Both tools must call every corpus notebook schema-valid, or the timing means nothing."""
    subprocess.run([sys.executable, str(script), *names], cwd=folder, check=True)
    done = subprocess.run(
        [nbgate, "lint", "--format", "json", "--select", "NBG001", *names],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    findings = json.loads(done.stdout)
    if done.returncode != 0 or findings:
        raise SystemExit(f"nbgate and nbformat disagree on {folder.name}: {findings[:3]}")


def _ratio(timings: list[Timing], label: str, base: str) -> float:
    by_label = {t.label: t.median for t in timings}
    return by_label[label] / by_label[base]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its tables."""
    parser = common_args(__doc__.splitlines()[0])
    parser.add_argument(
        "--count", type=int, default=None, help="notebooks in the corpus (default 300, quick 60)"
    )
    args = parser.parse_args(argv)
    runs = runs_from(args)
    count = args.count or (60 if args.quick else 300)

    work = work_dir("lint")
    script = work / "nbformat_validate.py"
    script.write_text(VALIDATE)
    (work / "pyproject.toml").write_text("[tool.nbgate]\n")  # no surrounding project's config
    cold_cache = work / "cold-cache"
    nbgate = tool("nbgate")
    targets = []
    for name, dirty in (("dirty", True), ("clean", False)):
        folder = work / name
        if folder.exists():
            shutil.rmtree(folder)
        paths = generate(folder, count, dirty=dirty)
        names = [p.name for p in paths]
        size = sum(p.stat().st_size for p in paths) / 1e6
        _agree(nbgate, script, folder, names)
        targets.append((name, folder, names, size))
    print(
        f"corpus: {count} notebooks; {runs} runs each; nbformat.validate and nbgate agree: all schema-valid\n"
    )

    def empty_cache() -> None:
        shutil.rmtree(cold_cache, ignore_errors=True)

    worst = 0.0
    for name, folder, names, size in targets:
        lint_all = f"nbgate lint (all rules, {name})"
        peer = "nbformat.validate"
        cases = [
            Case(lint_all, [nbgate, "lint", *names], ok_codes=(0, 1)),
            Case("nbgate lint --select NBG001", [nbgate, "lint", "--select", "NBG001", *names]),
            Case(
                "nbgate lint, cold schema cache",
                [nbgate, "lint", *names],
                setup=empty_cache,
                ok_codes=(0, 1),
                env={"XDG_CACHE_HOME": str(cold_cache)},
            ),
            Case(peer, [sys.executable, str(script), *names]),
        ]
        timings = interleaved(cases, runs=runs, cwd=folder)
        print_table(
            f"lint vs nbformat.validate, {count} {name} notebooks ({size:.1f} MB)",
            timings,
            baseline=lint_all,
        )
        worst = max(worst, _ratio(timings, lint_all, peer))
    verdict = "met" if worst < 1.0 else "MISSED"
    print(
        f"target: nbgate lint (all rules) faster than nbformat.validate alone: {verdict} "
        f"(slowest ratio {worst:.2f}x of nbformat's time)"
    )
    return 0 if worst < 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
