"""Failure reports: which cell, its source around the failing line, the traceback.

Pure text in, text out. IPython tracebacks carry ANSI colour codes; they are
stripped unless colour is on.
"""

from __future__ import annotations

from typing import NamedTuple

from nbgate.execution.attribution import failing_line
from nbgate.output import strip_ansi

__all__ = ["Failure", "excerpt", "failing_line", "format_failure"]

#: How many source lines to show either side of the failing line.
CONTEXT = 3
#: Longest cell excerpt shown when the failing line is unknown (timeouts, dead kernels).
MAX_LINES = 12


class Failure(NamedTuple):
    """Why a notebook did not pass, with what the report needs to show it."""

    kind: str  # cell-error, timeout, dead-kernel, kernel-start, error, parameters, output-check
    summary: str  # one line, no file name
    cell: int | None = None  # 1-based cell number in the notebook as committed
    source: str = ""
    line: int | None = None  # 1-based line in the cell
    traceback: str = ""
    extra: str = ""


def excerpt(source: str, line: int | None) -> list[str]:
    """Numbered source lines around ``line`` (marked ``->``), or the cell's start."""
    lines = source.splitlines() or [""]
    width = len(str(len(lines)))
    if line is not None and 1 <= line <= len(lines):
        first, last = max(1, line - CONTEXT), min(len(lines), line + CONTEXT)
    else:
        first, last = 1, min(len(lines), MAX_LINES)
    shown = []
    for number in range(first, last + 1):
        mark = "->" if number == line else "  "
        shown.append(f"  {mark} {number:>{width}} | {lines[number - 1]}".rstrip())
    if last < len(lines) and line is None:
        shown.append(f"     ... {len(lines) - last} more line(s)")
    return shown


def format_failure(where: str, failure: Failure, *, output_path: str | None, color: bool) -> str:
    """The whole report for one failing notebook."""
    location = f"{where}, cell {failure.cell}" if failure.cell is not None else where
    out = [f"{location}: {failure.summary}"]
    if output_path:
        out.append(f"executed notebook: {output_path}")
    if failure.cell is not None and failure.source:
        at = f", line {failure.line}" if failure.line is not None else ""
        out += ["", f"cell {failure.cell}{at}:", *excerpt(failure.source, failure.line)]
    if failure.traceback:
        out += ["", failure.traceback.rstrip()]
    if failure.extra:
        out += ["", failure.extra.rstrip()]
    text = "\n".join(out)
    return text if color else strip_ansi(text)
