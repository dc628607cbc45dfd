"""Failure reports: which cell, its source around the failing line, the traceback.

Pure text in, text out. IPython tracebacks carry ANSI colour codes; they are
stripped unless colour is on.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from nbgate.output import strip_ansi

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


def failing_line(traceback: str, execution_count: int | None) -> int | None:
    """The innermost line of the failing cell named in an IPython traceback.

    IPython writes ``Cell In[7], line 3`` for every frame in a cell; the last
    one for the failing cell's execution count is where it raised. Without
    a count, the last ``Cell In`` frame is taken. A ``SyntaxError`` shows
    ``line N`` inside ``File <...>`` instead.
    """
    plain = strip_ansi(traceback)
    frames = re.findall(r"Cell In\s*\[(\d+)\],\s*line (\d+)", plain)
    if frames:
        if execution_count is not None:
            own = [line for count, line in frames if int(count) == execution_count]
            if own:
                return int(own[-1])
        return int(frames[-1][1])
    match = re.findall(r'File "?<[^>]*>"?, line (\d+)', plain)
    return int(match[-1]) if match else None


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
