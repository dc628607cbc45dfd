"""What every rule sees: the notebook, its size, the options and per-cell views.

Views are built once per notebook so rules do not each re-split sources or
re-read tags. Python parsing (``ast``) is done lazily and cached, because
most rules never need it and most cells never reach a rule that does.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cached_property
from typing import Any

from nbgate.lint.options import LintOptions
from nbgate.notebook import Notebook, language, tags
from nbgate.strip.transform import StripError, cell_keeps_outputs, notebook_keeps_outputs

# IPython syntax that is not Python: line magics, shell escapes, help queries.
_MAGIC_LINE = re.compile(r"^([ \t]*)(?:[%!]|\?\??\w|\w[\w.]*\?\??\s*$)")
_MAGIC_ASSIGN = re.compile(r"^([ \t]*[\w.]+\s*=\s*)[%!].*$")
# magics whose argument (line) or body (cell) is Python
_PYTHON_LINE_MAGIC = re.compile(r"^([ \t]*)%(?:time|timeit|prun)\s+(?:-\S+\s+)*(.*)$")
_PYTHON_CELL_MAGIC = re.compile(r"^%%(?:time|timeit|capture|prun)\b")


class CellView:
    """One cell with the pieces rules need; ``number`` is 1-based."""

    def __init__(self, number: int, cell: dict[str, Any]) -> None:
        self.number = number
        self.cell = cell
        self.cell_type: str = cell.get("cell_type", "")
        source = cell.get("source", "")
        self.source: str = source if isinstance(source, str) else ""
        self.tags: list[str] = tags(cell)

    @cached_property
    def lines(self) -> list[str]:
        """The source split into lines, without line endings."""
        return self.source.splitlines()

    @property
    def outputs(self) -> list[Any]:
        """The cell's outputs (an empty list for non-code cells)."""
        outputs = self.cell.get("outputs")
        return outputs if isinstance(outputs, list) else []

    @cached_property
    def python(self) -> ast.Module | None:
        """The cell parsed as Python with IPython magics blanked out, or None.

        Line numbers match the cell's. A cell magic (``%%bash``...) makes the
        whole cell something other than Python.
        """
        if self.cell_type != "code":
            return None
        source = self.source.lstrip("\n")
        if source.startswith("%%"):
            if not _PYTHON_CELL_MAGIC.match(source):
                return None
            source = self.source.replace(source.split("\n", 1)[0], "", 1)  # blank the magic line
        else:
            source = self.source
        return parse_ipython(source)


def parse_ipython(source: str) -> ast.Module | None:
    """Parse IPython source as Python; None when it is not Python even without its magics.

    Plain Python is parsed as is. Otherwise magic, shell and help lines become
    ``pass`` (``x = !ls`` becomes ``x = None``) so line numbers still match.
    """
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    lines = []
    for line in source.split("\n"):
        assign = _MAGIC_ASSIGN.match(line)
        timed = _PYTHON_LINE_MAGIC.match(line)
        if assign:
            line = assign.group(1) + "None"
        elif timed:
            line = timed.group(1) + timed.group(2)
        else:
            magic = _MAGIC_LINE.match(line)
            if magic:
                line = magic.group(1) + "pass"
        lines.append(line)
    try:
        return ast.parse("\n".join(lines))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


class Context:
    """A notebook under lint."""

    def __init__(self, nb: Notebook, size: int, options: LintOptions) -> None:
        self.nb = nb
        self.size = size
        self.options = options
        raw_cells = nb.get("cells")
        self.cells = [
            CellView(number, cell)
            for number, cell in enumerate(raw_cells if isinstance(raw_cells, list) else [], 1)
            if isinstance(cell, dict)
        ]
        self.language = language(nb)
        minor = nb.get("nbformat_minor")
        self.minor = minor if isinstance(minor, int) else 0

    @property
    def is_python(self) -> bool:
        """Whether the kernel language is Python (IPython), so ``ast`` rules apply."""
        return self.language in ("python", "python3", "ipython", "ipython3")

    def code_cells(self) -> Iterator[CellView]:
        """The code cells, in order."""
        return (c for c in self.cells if c.cell_type == "code")

    def keeps_outputs(self, view: CellView) -> bool:
        """Whether strip policy keeps this code cell's outputs (and counts)."""
        options = self.options.strip_options
        try:
            return notebook_keeps_outputs(self.nb, options) or cell_keeps_outputs(
                view.cell, view.number, options
            )
        except StripError:
            return True  # a contradiction is `nbgate strip`'s error to report; lint does not guess
