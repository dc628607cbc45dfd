"""``nbgate diff`` against nbdime's ``nbdiff``, and the markdown renderer against the diff.

Part 1, whole processes: a 500-cell notebook with outputs (streams, HTML
tables, PNGs) and a copy with 25 source edits, 100 changed outputs, 5
deleted and 5 inserted cells; wall medians of ``nbgate diff --files``,
``nbdiff -s`` (sources only, what nbgate shows by default) and ``nbdiff``.
Target: ``nbgate diff --files`` at least 3x faster than ``nbdiff -s``.

Part 2, in process: a 50-notebook pull request (corpus notebooks, each with
a few edits); time to diff all 50, then time to render them as markdown.
Target: the render within 2x of the diff.

Part 3 explains where the time goes (import of nbdime with and without
jsonschema's IRI checker; nbdime's sources-only diff of whole notebooks
against nbgate's diff of the views).

    python benchmarks/diff.py [--quick] [--runs N]
"""

from __future__ import annotations

import base64
import copy
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import ROOT, Case, common_args, interleaved, print_table, runs_from, tool, work_dir
from corpus import generate, png

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nbgate import notebook

_WORDS = [
    "revenue",
    "orders",
    "region",
    "churn",
    "cohort",
    "forecast",
    "model",
    "feature",
    "pipeline",
    "margin",
    "volume",
    "latency",
]


def _output(rng: random.Random, count: int) -> list[dict[str, Any]]:
    kind = rng.random()
    if kind < 0.4:
        text = "".join(
            f"{rng.choice(_WORDS)}: {rng.uniform(0, 1e6):.3f}\n" for _ in range(rng.randint(1, 15))
        )
        return [{"name": "stdout", "output_type": "stream", "text": text}]
    if kind < 0.7:
        rows = "".join(
            f"<tr><th>{i}</th><td>{rng.uniform(0, 1e4):.2f}</td><td>{rng.choice(_WORDS)}</td></tr>\n"
            for i in range(rng.randint(5, 30))
        )
        html = f'<table class="dataframe">\n<thead><tr><th></th><th>value</th><th>name</th></tr></thead>\n{rows}</table>'  # noqa: E501 - test data kept on one line
        return [
            {
                "data": {"text/html": html, "text/plain": f"<DataFrame {count}>"},
                "execution_count": count,
                "metadata": {},
                "output_type": "execute_result",
            }
        ]
    image = base64.b64encode(png(rng.randint(80, 200), rng.randint(60, 120), rng)).decode("ascii")
    return [
        {
            "data": {"image/png": image, "text/plain": "<Figure size 640x480 with 1 Axes>"},
            "metadata": {},
            "output_type": "display_data",
        }
    ]


def big_pair(folder: Path, cells: int = 500, seed: int = 0) -> tuple[Path, Path]:
    """The 500-cell notebook and its edited copy (25 source edits, 100 outputs, -5/+5 cells)."""
    rng = random.Random(seed)
    nb_cells: list[dict[str, Any]] = []
    count = 0
    for index in range(cells):
        cell_id = f"{rng.getrandbits(32):08x}"
        if index % 5 == 0:
            words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(10, 40)))
            nb_cells.append(
                {
                    "cell_type": "markdown",
                    "id": cell_id,
                    "metadata": {},
                    "source": f"## Step {index}\n\n{words}",
                }
            )
            continue
        count += 1
        word = rng.choice(_WORDS)
        source = (
            f'df_{word} = load("{word}", day={index})\nsummary_{index} = df_{word}.groupby("region").sum()\n'
            f"summary_{index}.head({rng.randint(5, 20)})"
        )
        nb_cells.append(
            {
                "cell_type": "code",
                "execution_count": count,
                "id": cell_id,
                "metadata": {},
                "outputs": _output(rng, count),
                "source": source,
            }
        )
    nb = {
        "cells": nb_cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    edited = copy.deepcopy(nb)
    code = [k for k, c in enumerate(edited["cells"]) if c["cell_type"] == "code"]
    deleted = set(code[5:400:80])  # 5 cells
    for k in [k for k in code if k not in deleted][::12][:25]:  # 25 source edits
        edited["cells"][k]["source"] = (
            edited["cells"][k]["source"].replace("sum()", "mean()") + "\n# reviewed"
        )
    for k in [k for k in code if k not in deleted][1::3][:100]:  # 100 changed outputs
        edited["cells"][k]["outputs"] = _output(rng, k)
    edited["cells"] = [c for k, c in enumerate(edited["cells"]) if k not in deleted]
    for n, k in enumerate(range(50, 500, 90)):  # 5 inserted cells
        edited["cells"].insert(
            k,
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"new{n:05d}",
                "metadata": {},
                "outputs": [],
                "source": f"check_{n} = validate(df)\nassert check_{n}",
            },
        )
    old, new = folder / "big-old.ipynb", folder / "big-new.ipynb"
    old.write_bytes(notebook.dumps(nb))
    new.write_bytes(notebook.dumps(edited))
    return old, new


def _median(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def pull_request(folder: Path, count: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """``count`` corpus notebooks and edited copies: a few source edits, a moved and an added cell each."""
    pairs = []
    for path in generate(folder, count, seed=7):
        old = notebook.read(path).nb
        new = copy.deepcopy(old)
        rng = random.Random(path.name)
        for cell in rng.sample(new["cells"], 3):
            cell["source"] += "\n# edited in review"
        new["cells"].insert(
            rng.randrange(len(new["cells"])),
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": "x = 1",
            },
        )
        new["cells"].append(new["cells"].pop(rng.randrange(len(new["cells"]) - 1)))
        pairs.append((old, new))
    return pairs


def main() -> int:
    """Run the three parts and print their tables."""
    args = common_args(__doc__ or "").parse_args()
    runs = runs_from(args)
    work = work_dir("diff")
    old, new = big_pair(work)
    sizes = f"{old.stat().st_size / 1e6:.1f} MB -> {new.stat().st_size / 1e6:.1f} MB"
    cases = [
        Case("nbgate diff --files", [tool("nbgate"), "diff", "--files", str(old), str(new)]),
        Case("nbdiff -s", [tool("nbdiff"), "-s", str(old), str(new)], ok_codes=(0, 1)),
        Case("nbdiff", [tool("nbdiff"), str(old), str(new)], ok_codes=(0, 1)),
        Case(
            "nbgate diff --files --outputs",
            [tool("nbgate"), "diff", "--outputs", "--files", str(old), str(new)],
        ),
    ]
    print_table(
        f"diff of one 500-cell notebook ({sizes}), whole process, {runs} runs",
        interleaved(cases, runs=runs, cwd=work),
        baseline="nbgate diff --files",
    )

    from nbgate.diff.align import load_nbdime
    from nbgate.diff.model import MODIFIED, FileDiff, diff_notebooks
    from nbgate.diff.render import Sides, markdown

    load_nbdime()
    count = 10 if args.quick else 50
    pairs = pull_request(work / "pr", count)
    diffed: list[FileDiff] = []

    def diff_all() -> None:
        diffed[:] = [
            FileDiff(f"nb_{k:04d}.ipynb", MODIFIED, diff_notebooks(a, b))
            for k, (a, b) in enumerate(pairs)
        ]

    diff_seconds = _median(diff_all, runs)
    render_seconds = _median(lambda: markdown(diffed, Sides("main", "feature")), runs)
    text = markdown(diffed, Sides("main", "feature"))
    print(f"{count}-notebook pull request, in process, median of {runs}")
    print(f"  diff (nbdime, sources)  {diff_seconds:.3f} s")
    print(
        f"  markdown render         {render_seconds:.3f} s  ({render_seconds / diff_seconds:.2f}x the diff; "
        f"target <= 2x; {len(text) / 1e3:.0f} kB of markdown)"
    )
    print()

    _explain(old, new, runs)
    return 0


def _explain(old: Path, new: Path, runs: int) -> None:
    """Where nbdiff -s spends its time, and what nbgate does instead."""
    plain = [sys.executable, "-c", "import nbdime.diffing.notebooks"]
    ours = [sys.executable, "-c", "from nbgate.diff.align import load_nbdime; load_nbdime()"]
    timings = interleaved(
        [
            Case("import nbdime (as nbdiff does)", plain),
            Case("nbgate.diff.align.load_nbdime()", ours),
        ],
        runs=runs,
    )
    print_table(
        "importing nbdime, whole process", timings, baseline="nbgate.diff.align.load_nbdime()"
    )

    from nbgate.diff.align import load_nbdime, nbdime_diff
    from nbgate.diff.model import DiffOptions

    differ = load_nbdime()
    import nbformat

    a, b = nbformat.read(str(old), as_version=4), nbformat.read(str(new), as_version=4)
    loaded_a, loaded_b = notebook.read(old).nb, notebook.read(new).nb

    def nbdime_sources_only() -> None:
        differ.reset_notebook_differ()
        differ.set_notebook_diff_targets(
            sources=True,
            outputs=False,
            attachments=False,
            metadata=False,
            identifier=False,
            details=False,
        )
        differ.diff_notebooks(a, b)
        differ.reset_notebook_differ()

    whole = _median(nbdime_sources_only, runs)
    views = _median(lambda: nbdime_diff(loaded_a, loaded_b, DiffOptions()), runs)
    read_nbformat = _median(
        lambda: (nbformat.read(str(old), as_version=4), nbformat.read(str(new), as_version=4)), runs
    )
    read_ours = _median(lambda: (notebook.read(old), notebook.read(new)), runs)
    print(f"in process, median of {runs} (the 500-cell pair)")
    print(
        f"  read both: nbformat.read {read_nbformat:.3f} s, nbgate.notebook.read {read_ours:.3f} s"
    )
    print(f"  nbdime diff, sources-only targets, whole notebooks  {whole:.3f} s")
    print(f"  nbdime diff of nbgate's views (outputs left out)    {views:.3f} s")
    done = subprocess.run(
        [tool("nbgate"), "diff", "--files", str(old), str(new), "--format", "markdown"],
        capture_output=True,
        text=True,
        check=True,
    )
    print(f"  nbgate's markdown for it: {done.stdout.count('```diff')} cell diff blocks")


if __name__ == "__main__":
    raise SystemExit(main())
