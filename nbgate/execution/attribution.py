"""Which cells may raise, are skipped or are output-checked, and which cell a failure belongs to.

One module for every way nbgate executes a notebook (the smoke runner now,
production next), so they judge a notebook alike. Pure: plain notebook
dicts in, small records out; no kernel, no papermill.

Cell markers (nbval's precedence): tags first, then comment markers in the
cell's source, which override the tags; within each, the last marker for an
option wins. Options and their spellings:

=============  =============================================  ==================================
option         tags                                           comment lines
=============  =============================================  ==================================
may raise      ``raises-exception``, ``nbval-raises-exception``  ``# NBVAL_RAISES_EXCEPTION``
skip           ``nbgate-skip-cell``, ``nbval-skip``           ``# NBVAL_SKIP``
check output   ``nbgate-check-output``, ``nbval-check-output``  ``# NBVAL_CHECK_OUTPUT``
ignore output  ``nbgate-ignore-output``, ``nbval-ignore-output``  ``# NBVAL_IGNORE_OUTPUT``
=============  =============================================  ==================================

Notebook metadata ``execution.timeout`` and ``execution.allow_errors`` are
read as nbclient's ``timeout`` (seconds per cell; ``None`` or ``-1`` for no
limit) and ``allow_errors`` traits, the way jupyter-book and nbmake apply them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from nbgate.output import strip_ansi

#: tag -> (option, value); ``check`` True checks the outputs, False ignores them
TAGS: dict[str, tuple[str, bool]] = {
    "raises-exception": ("raises", True),
    "nbval-raises-exception": ("raises", True),
    "nbgate-skip-cell": ("skip", True),
    "nbval-skip": ("skip", True),
    "nbgate-check-output": ("check", True),
    "nbval-check-output": ("check", True),
    "nbgate-ignore-output": ("check", False),
    "nbval-ignore-output": ("check", False),
}
#: nbval's comment markers (a whole comment line, ``#`` and spaces around it ignored)
COMMENTS: dict[str, tuple[str, bool]] = {
    "NBVAL_RAISES_EXCEPTION": ("raises", True),
    "NBVAL_SKIP": ("skip", True),
    "NBVAL_CHECK_OUTPUT": ("check", True),
    "NBVAL_IGNORE_OUTPUT": ("check", False),
    "PYTEST_VALIDATE_IGNORE_OUTPUT": ("check", False),  # nbval's older spelling
}
#: cells papermill adds to an executed notebook (not the committed notebook's cells)
PAPERMILL_MARKER_TAGS = frozenset({"papermill-error-cell-tag"})


class CellPolicy(NamedTuple):
    """What the markers of one code cell ask for."""

    raises: bool = False  # an error in this cell is expected: it does not fail the run
    skip: bool = False  # not executed at all
    check: bool | None = None  # outputs compared (True), never compared (False), or the default


class Declared(NamedTuple):
    """What a notebook's own ``metadata.execution`` declares (None: not declared)."""

    cell_timeout: float | None  # seconds; 0 means no limit
    allow_errors: bool | None


class CellError(NamedTuple):
    """The error that fails a run: where it is and what it says."""

    position: int  # index in the executed notebook's cell list
    ename: str
    evalue: str
    traceback: str
    line: int | None  # 1-based line of the cell where it raised, if the traceback says


def _tags(cell: Mapping[str, Any]) -> list[str]:
    tags = cell.get("metadata", {}).get("tags", [])
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def _source(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def cell_policy(cell: Mapping[str, Any]) -> CellPolicy:
    """The options a cell's tags and comment markers set (comments override tags)."""
    options: dict[str, bool] = {}
    for tag in _tags(cell):
        if tag in TAGS:
            key, value = TAGS[tag]
            options[key] = value
    for line in _source(cell).splitlines():
        line = line.strip()
        if line.startswith("#"):
            marker = line.lstrip("#").strip()
            if marker in COMMENTS:
                key, value = COMMENTS[marker]
                options[key] = value
    return CellPolicy(
        options.get("raises", False), options.get("skip", False), options.get("check")
    )


def checked(cell: Mapping[str, Any], mode: str) -> bool:
    """Whether a committed code cell's outputs are compared: ``mode`` "tagged" or "all"."""
    if cell.get("cell_type") != "code":
        return False
    policy = cell_policy(cell)
    if policy.skip:
        return False
    if policy.check is not None:
        return policy.check
    return mode == "all"


def declared(nb: Mapping[str, Any]) -> Declared:
    """The notebook's ``metadata.execution.timeout`` / ``allow_errors``; ``ValueError`` if mistyped."""
    execution = nb.get("metadata", {}).get("execution", {})
    if not isinstance(execution, dict):
        return Declared(None, None)
    timeout: float | None = None
    if "timeout" in execution:
        value = execution["timeout"]
        if value is None:
            timeout = 0.0
        elif (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and not math.isnan(value)
        ):
            timeout = 0.0 if value < 0 or value == 0 else float(value)
        else:
            raise ValueError(
                f"metadata.execution.timeout must be a number of seconds, got {value!r}"
            )
    allow = execution.get("allow_errors")
    if allow is not None and not isinstance(allow, bool):
        raise ValueError(f"metadata.execution.allow_errors must be true or false, got {allow!r}")
    return Declared(timeout, allow)


def may_raise(cell: Mapping[str, Any], allow_errors: bool = False) -> bool:
    """Whether an error in ``cell`` is allowed (the notebook's allow_errors or the cell's markers)."""
    return allow_errors or cell_policy(cell).raises


def first_error(cells: Iterable[Mapping[str, Any]], allow_errors: bool = False) -> CellError | None:
    """The first error output in a cell that may not raise, after execution.

    Catches errors the execute reply does not report: an exception raised
    after the cell's code finished (an IPython ``post_execute`` callback such
    as matplotlib's inline backend drawing the figure) lands in that cell's
    outputs. ``SystemExit`` with code 0 or none is not an error (papermill's rule).
    """
    for index, cell in enumerate(cells):
        if (
            cell.get("cell_type") != "code"
            or may_raise(cell, allow_errors)
            or cell_policy(cell).skip
        ):
            continue  # a skipped cell keeps its committed outputs: they say nothing about this run
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            ename, evalue = str(output.get("ename", "")), str(output.get("evalue", ""))
            if ename == "SystemExit" and evalue in ("", "0"):
                continue
            return cell_error(index, cell, ename, evalue, output.get("traceback", []))
    return None


def cell_error(
    index: int, cell: Mapping[str, Any], ename: str, evalue: str, traceback: Any
) -> CellError:
    """A ``CellError`` for cell ``index``: the traceback joined, the failing line found in it."""
    text = "\n".join(traceback) if isinstance(traceback, list) else str(traceback)
    count = cell.get("execution_count")
    return CellError(
        index, ename, evalue, text, failing_line(text, count if isinstance(count, int) else None)
    )


def is_marker_cell(cell: Mapping[str, Any]) -> bool:
    """A cell papermill added to report an error (not part of the notebook)."""
    return bool(PAPERMILL_MARKER_TAGS.intersection(_tags(cell)))


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
