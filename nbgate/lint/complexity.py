"""4xx complexity: limits on cells, lines per cell and file size (all configurable)."""

from __future__ import annotations

from collections.abc import Iterator

from nbgate.lint.checkers import checker
from nbgate.lint.context import Context
from nbgate.lint.registry import WARNING, Finding, finding, rule

TOO_MANY_CELLS = rule(
    "NBG401",
    "too-many-cells",
    WARNING,
    "The notebook has more cells than `lint.max_cells` (default 200): split it or move code to a module.",
    "a 350-cell exploration notebook",
)
LONG_CELL = rule(
    "NBG402",
    "cell-too-long",
    WARNING,
    "A cell has more source lines than `lint.max_lines_per_cell` (default 100).",
    "a 400-line cell pasted from a script",
)
TOO_LARGE = rule(
    "NBG403",
    "notebook-too-large",
    WARNING,
    "The file is bigger than `lint.max_notebook_bytes` (default 5 MB).",
    "a notebook with embedded images adding up to 12 MB",
)


@checker(TOO_MANY_CELLS, LONG_CELL, TOO_LARGE)
def limits(ctx: Context) -> Iterator[Finding]:
    """NBG401 to NBG403."""
    options = ctx.options
    if len(ctx.cells) > options.max_cells:
        yield finding(
            "NBG401", f"{len(ctx.cells)} cells (limit {options.max_cells}, lint.max_cells)"
        )
    for view in ctx.cells:
        # counting newlines first avoids splitting every cell of every notebook
        if view.source.count("\n") + 1 > options.max_lines_per_cell:
            count = len(view.lines)
            if count > options.max_lines_per_cell:
                yield finding(
                    "NBG402",
                    f"{count} lines (limit {options.max_lines_per_cell}, lint.max_lines_per_cell)",
                    view.number,
                )
    if ctx.size > options.max_notebook_bytes:
        yield finding(
            "NBG403",
            f"file is {ctx.size:,} bytes (limit {options.max_notebook_bytes:,}, "
            "lint.max_notebook_bytes)",
        )
