"""How an execution ended and which cell it belongs to, read from the engine's ``Tracker``.

Never from papermill's output metadata (which says "completed" after a
timeout) nor from its ``PapermillExecutionError`` (which knows nothing of
nbval's markers or the notebook's ``allow_errors``). The order of the checks:

1. a cell raised (nbclient's ``CellExecutionError``; the loop stopped there):
   ``failed``, attributed to the first unexpected error output of the
   notebook, which is that cell unless an earlier one got an error after its
   code finished;
2. a ``CellTimeoutError``: ``timeout`` on the running cell (``Deadline.limit``
   says which limit fired);
3. a ``DeadKernelError``, or any error while a cell ran with the caller's
   kernel process gone: ``dead-kernel`` on the running cell;
4. any other error before the first cell: ``kernel-start``; after it:
   ``error`` on the running cell;
5. the loop did not reach the end without saying why: ``error``;
6. an unexpected error output although every cell returned (an exception
   raised after the cell's code finished, such as a ``post_execute`` callback
   drawing a figure): ``failed``, on that cell;
7. otherwise ``passed``. Errors in cells that may raise (``raises-exception``
   and nbval's spellings, ``allow_errors``) are never failures.

Pure: no kernel, no papermill import.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from nbgate.execution.attribution import CellError, cell_error, first_error
from nbgate.execution.transport import alive
from nbgate.identity import PAPERMILL_TAGS
from nbgate.notebook import Notebook, tags

PASSED, FAILED, TIMEOUT, DEAD_KERNEL, KERNEL_START, ERROR = (
    "passed",
    "failed",
    "timeout",
    "dead-kernel",
    "kernel-start",
    "error",
)


class Outcome(NamedTuple):
    """How an execution ended and where."""

    kind: str  # passed, failed, timeout, dead-kernel, kernel-start, error
    position: int | None  # the cell it belongs to, in the executed notebook's cell list
    error: CellError | None  # failed: the error output that fails the run
    raised: (
        BaseException | None
    )  # what the execution raised (timeout, dead kernel, start-up, other)


def running_index(nb: Any, cell: Any) -> int | None:
    """Where the cell the tracker saw running is now: papermill inserts error cells above it."""
    if nb is None or cell is None:
        return None
    for index, candidate in enumerate(nb.get("cells", [])):
        if candidate is cell:
            return index
    return None


def cell_number(nb: Notebook, index: int) -> int | None:
    """1-based number, in the notebook as committed, of cell ``index`` of the executed one.

    ``None`` for a cell papermill added (the injected parameters, its error markers).
    """
    cells = nb.get("cells", [])
    if index >= len(cells) or PAPERMILL_TAGS.intersection(tags(cells[index])):
        return None
    return sum(1 for cell in cells[: index + 1] if not PAPERMILL_TAGS.intersection(tags(cell)))


def _raised_in(nb: Any, index: int, exc: Any) -> CellError:
    """The error of the cell nbclient stopped at: its last error output, else the exception's own text."""
    cell = nb["cells"][index]
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if errors:
        last = errors[-1]
        return cell_error(
            index,
            cell,
            str(last.get("ename", "")),
            str(last.get("evalue", "")),
            last.get("traceback", []),
        )
    return cell_error(index, cell, str(exc.ename), str(exc.evalue), str(exc.traceback))


def classify(tracker: Any, raised: BaseException | None) -> Outcome:
    """The outcome of an execution by ``engine.NbgateEngine`` (see the module docstring).

    ``tracker`` is the engine's ``Tracker``; ``raised`` what the execution
    raised, if anything (the caller has already ruled out papermill's own
    scan of the outputs, ``PapermillExecutionError``, when every cell ran).
    """
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    nb = tracker.nb
    index = running_index(nb, tracker.cell)
    if tracker.error is not None and nb is not None and index is not None:
        found = first_error(nb["cells"][:index], tracker.allow_errors)
        return Outcome(
            FAILED,
            found.position if found else index,
            found or _raised_in(nb, index, tracker.error),
            None,
        )
    if isinstance(raised, CellTimeoutError):
        return Outcome(TIMEOUT, index, None, raised)
    # a kernel nbclient started itself is shut down before this runs: only its DeadKernelError tells
    if isinstance(raised, DeadKernelError) or (
        raised is not None
        and tracker.current is not None
        and tracker.km is not None
        and not alive(tracker.process)
    ):
        return Outcome(DEAD_KERNEL, index, None, raised)
    if raised is not None:
        return Outcome(KERNEL_START if tracker.current is None else ERROR, index, None, raised)
    if not tracker.completed:
        return Outcome(ERROR, index, None, None)
    found = first_error(nb["cells"], tracker.allow_errors)
    if found is not None:
        return Outcome(FAILED, found.position, found, None)
    return Outcome(PASSED, None, None, None)
