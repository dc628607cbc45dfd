"""Smoke-run benchmark: ``pytest --nbgate`` against nbmake and nbval, whole-process wall times.

Two corpora, generated under ``benchmarks/.work/smoke/``:

* ``small``: 20 notebooks, each a ``parameters`` cell and 10 trivial cells;
* ``long``: 5 notebooks of 200 trivial cells.

Every notebook runs in its own fresh kernel with every tool. nbgate runs
twice: with its default kernels forked from a template process
(``smoke.kernel_start = "fork"``) and with every kernel spawned from
scratch, as nbmake and nbval start theirs. Each command is
a whole ``python -m pytest`` process, run alternately with the others, and
the table shows median wall seconds (of ``--runs``, at least 3) and the ratio
to sequential nbmake. Each tool runs as if it were the only notebook plugin
installed (the others are disabled with ``-p no:``; nbmake's plugin alone
imports nbformat, 1.3 s, at every pytest start), and hypothesis's plugin,
which imports hypothesis at exit, is disabled for all.

Run: ``python benchmarks/smoke.py [--quick] [--runs N]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _timing import Case, common_args, interleaved, print_table, runs_from, work_dir

from nbgate import notebook

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
PYPROJECT = """\
[tool.pytest.ini_options]
addopts = ""

[tool.nbgate]
include = ["*.ipynb"]

[tool.nbgate.smoke]
parameters = { scale = 2 }
"""
SPAWN = {"NBGATE_SMOKE_KERNEL_START": "spawn"}  # every kernel started from scratch, as nbmake does
PLUGINS = {"nbgate": "nbgate", "nbmake": "nbmake", "nbval": "nbval"}
COMMON = ["-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:randomly"]


def _cell(source: str, tags: list[str] | None = None) -> dict[str, object]:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"tags": tags} if tags else {},
        "outputs": [],
        "source": source,
    }


def generate(folder: Path, count: int, cells: int) -> None:
    """``count`` notebooks of a parameters cell plus ``cells`` trivial code cells."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(PYPROJECT)
    for i in range(count):
        body = [_cell("scale = 1\nlabel = 'bench'", ["parameters"])]
        body += [_cell(f"x{j} = {j} * scale\nx{j} + 1") for j in range(cells)]
        for j, cell in enumerate(body):
            cell["id"] = f"c{j}"
        nb = {
            "cells": body,
            "metadata": {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        (folder / f"nb_{i:02d}.ipynb").write_bytes(notebook.dumps(nb))


def pytest_case(
    label: str, plugin: str, flag: str, *extra: str, env: dict[str, str] | None = None
) -> Case:
    """``python -m pytest <flag>`` with the other notebook plugins disabled."""
    disabled: list[str] = []
    for other in PLUGINS.values():
        if other != plugin:
            disabled += ["-p", f"no:{other}"]
    # a peer tool's own flakiness under load (nbmake -n 2 sometimes fails a kernel clean-up) must not
    # abort the comparison; nbgate itself must pass every run
    ok = (0,) if plugin == "nbgate" else (0, 1)
    return Case(
        label,
        [sys.executable, "-m", "pytest", flag, *COMMON, *disabled, *extra],
        ok_codes=ok,
        env=env,
    )


def main() -> int:
    """Generate the corpora, time every tool on each, print the tables."""
    args = common_args(__doc__ or "").parse_args()
    runs = runs_from(args, default=3)
    work = work_dir("smoke")
    corpora = {"small": (20, 10), "long": (5, 200)}
    if args.quick:
        corpora = {"small": (8, 10), "long": (2, 200)}
    cases = [
        pytest_case("pytest --nbgate", "nbgate", "--nbgate"),
        pytest_case("pytest --nbgate -n 2", "nbgate", "--nbgate", "-n", "2"),
        pytest_case("pytest --nbgate, spawned kernels", "nbgate", "--nbgate", env=SPAWN),
        pytest_case("pytest --nbmake", "nbmake", "--nbmake"),
        pytest_case("pytest --nbmake -n 2", "nbmake", "--nbmake", "-n", "2"),
        pytest_case("pytest --nbval-lax", "nbval", "--nbval-lax"),
    ]
    for name, (count, cells) in corpora.items():
        folder = work / name
        generate(folder, count, cells)
        timings = interleaved(cases, runs=runs, cwd=folder)
        title = (
            f"{name}: {count} notebooks x {cells} trivial cells, fresh kernel each ({runs} runs)"
        )
        print_table(title, timings, baseline="pytest --nbmake")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
