"""Execute one notebook with papermill on a pool kernel and say how it ended.

The outcome comes from the execution (the engine's tracker and the
exceptions nbclient raises), never from papermill's output metadata, which
says "completed" after a timeout. Papermill gets no output path, so it never
rewrites the output notebook while running (``request_save_on_cell_execute``
off); the caller writes the executed notebook once, at the end.
"""

from __future__ import annotations

import math
import time
from typing import Any, NamedTuple

from nbgate.execution.attribution import CellError, declared, first_error, is_marker_cell
from nbgate.identity import PAPERMILL_TAGS
from nbgate.notebook import Notebook, tags
from nbgate.smoke.pool import Kernel
from nbgate.smoke.report import Failure, failing_line


class Settings(NamedTuple):
    """Timeouts in seconds (0 = none).

    ``cell_timeout_forced``: the per-cell timeout was given on the command
    line, so it wins over a notebook's own ``metadata.execution.timeout``
    (which otherwise wins over the config's).
    """

    cell_timeout: float
    timeout: float
    startup_timeout: float
    cell_timeout_forced: bool = False


class SmokeRun(NamedTuple):
    """How an execution ended: outcome, the executed notebook (if any), why it failed."""

    outcome: str  # passed, failed, timeout, dead-kernel, error
    nb: Notebook | None
    failure: Failure | None
    duration: float


def execute(nb: Notebook, parameters: dict[str, Any] | None, kernel: Kernel, settings: Settings) -> SmokeRun:
    """Run ``nb`` (a plain dict) with ``parameters`` injected on the pool ``kernel``.

    The kernel is left running; the caller releases it to the pool.
    """
    import nbformat
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    from nbgate.smoke.engine import ENGINE_NAME, Tracker

    started = time.monotonic()
    if kernel.error is not None:
        failure = Failure("kernel-start", f"could not start kernel {kernel.spec.name!r}: {kernel.error}",
                          extra=_stderr(kernel))
        return SmokeRun("error", None, failure, 0.0)

    try:
        own = declared(nb)
    except ValueError as exc:
        return SmokeRun("error", None, Failure("metadata", str(exc)), 0.0)
    cell_timeout = settings.cell_timeout
    if own.cell_timeout is not None and not settings.cell_timeout_forced:
        cell_timeout = own.cell_timeout
        settings = settings._replace(cell_timeout=cell_timeout)
    tracker = Tracker(
        km=kernel.km,
        cell_timeout=cell_timeout or None,
        timeout=settings.timeout or None,
        allow_errors=bool(own.allow_errors),
    )
    waited = started - kernel.launched_at
    startup = settings.startup_timeout or 3600.0
    node = nbformat.from_dict(nb)  # type: ignore[no-untyped-call]
    try:
        papermill.execute_notebook(
            node,
            None,
            parameters=parameters or None,
            engine_name=ENGINE_NAME,
            request_save_on_cell_execute=False,
            kernel_name=kernel.spec.name,
            progress_bar=False,
            autosave_cell_every=0,  # no output path: nothing to save, skip the per-message clock checks
            start_timeout=max(1, math.ceil(startup - waited)),
            nbgate_tracker=tracker,
        )
        error: BaseException | None = None
    except BaseException as exc:  # judged below from the tracker, whatever papermill raised
        if isinstance(exc, KeyboardInterrupt):
            raise
        error = exc
    finally:
        client = tracker.client
        if client is not None and getattr(client, "kc", None) is not None:
            client.kc.stop_channels()
        _settle()
    duration = time.monotonic() - started
    executed = tracker.nb
    if tracker.completed and type(error).__name__ == "PapermillExecutionError":
        # papermill's scan of the outputs after the run: an expected error (raises-exception,
        # allow_errors) is no failure, and an unexpected one is attributed below, to its own cell
        error = None
        executed.cells[:] = [cell for cell in executed.cells if not is_marker_cell(cell)]

    if tracker.error is not None:
        return SmokeRun("failed", executed, _cell_error(executed, tracker), duration)
    if isinstance(error, CellTimeoutError):
        if tracker.limit == "notebook":
            why = f"notebook timed out after {settings.timeout:g} s (whole-notebook timeout, smoke.timeout)"
        else:
            source = ("--nbgate-cell-timeout" if settings.cell_timeout_forced else
                      "metadata.execution.timeout" if own.cell_timeout is not None else "smoke.cell_timeout")
            why = f"cell timed out after {settings.cell_timeout:g} s (per-cell timeout, {source})"
        return SmokeRun("timeout", executed, _at_cell(executed, tracker, "timeout", why), duration)
    if isinstance(error, DeadKernelError) or (error is not None and tracker.current is not None
                                              and not _alive(kernel)):
        why = "the kernel died while the cell was running"
        return SmokeRun("dead-kernel", executed, _at_cell(executed, tracker, "dead-kernel", why, _stderr(kernel)),
                        duration)
    if error is not None and tracker.current is None:
        summary = f"kernel {kernel.spec.name!r} did not start: {_one_line(error)}"
        if "didn't respond" in str(error) or isinstance(error, TimeoutError):
            summary = f"kernel {kernel.spec.name!r} did not become ready within {startup:g} s (smoke.startup_timeout)"
        return SmokeRun("error", executed, Failure("kernel-start", summary, extra=_stderr(kernel)), duration)
    if error is not None:
        import traceback

        tb = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        failure = _at_cell(executed, tracker, "error", f"execution failed: {_one_line(error)}")
        return SmokeRun("error", executed, failure._replace(traceback=tb), duration)
    if not tracker.completed:  # defensive: papermill returned without running every cell
        return SmokeRun("error", executed, Failure("error", "execution stopped before the last cell"), duration)
    found = first_error(executed.cells, bool(own.allow_errors))
    if found is not None:  # raised after the cell's code finished (a post_execute callback)
        return SmokeRun("failed", executed, _found_error(executed, found), duration)
    return SmokeRun("passed", executed, None, duration)


# ---------------------------------------------------------------------- helpers


def cell_number(nb: Notebook, index: int) -> int | None:
    """1-based number, in the notebook as committed, of cell ``index`` of the executed one."""
    cells = nb.get("cells", [])
    if index >= len(cells) or PAPERMILL_TAGS.intersection(tags(cells[index])):
        return None
    return sum(1 for cell in cells[: index + 1] if not PAPERMILL_TAGS.intersection(tags(cell)))


def _index(nb: Notebook, tracker: Any) -> int | None:
    """Where the tracked cell is now: papermill inserts error cells above it after a failure."""
    for index, cell in enumerate(nb.get("cells", [])):
        if cell is tracker.cell:
            return index
    return None


def _at_cell(nb: Notebook | None, tracker: Any, kind: str, summary: str, extra: str = "") -> Failure:
    index = None if nb is None else _index(nb, tracker)
    if nb is None or index is None:
        return Failure(kind, summary, extra=extra)
    cell = nb["cells"][index]
    number = cell_number(nb, index)
    if number is None:
        summary += " (in the cell papermill injected with the parameters)"
    return Failure(kind, summary, number, str(cell.get("source", "")), extra=extra)


def _cell_error(nb: Notebook, tracker: Any) -> Failure:
    cell = tracker.cell
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    exc = tracker.error
    if errors:
        ename, evalue = str(errors[-1].get("ename", "")), str(errors[-1].get("evalue", ""))
        traceback = "\n".join(errors[-1].get("traceback", []))
    else:
        ename, evalue, traceback = str(exc.ename), str(exc.evalue), str(exc.traceback)
    summary = f"{ename}: {evalue}" if evalue else ename
    failure = _at_cell(nb, tracker, "cell-error", _one_line(summary) if summary else "cell raised an error")
    line = failing_line(traceback, cell.get("execution_count"))
    return failure._replace(line=line, traceback=traceback)


def _found_error(nb: Notebook, found: CellError) -> Failure:
    summary = f"{found.ename}: {found.evalue}" if found.evalue else found.ename or "cell raised an error"
    cell = nb["cells"][found.position]
    number = cell_number(nb, found.position)
    if number is None:
        summary += " (in the cell papermill injected with the parameters)"
    return Failure("cell-error", _one_line(summary), number, str(cell.get("source", "")), found.line,
                   found.traceback)


def _settle() -> None:
    """Let the tasks nbclient cancelled on a timeout finish, on this thread's event loop.

    nbclient cancels its output-polling task when a cell times out but does
    not wait for it; left pending, it is reported at exit as "Task was
    destroyed but it is pending!" after the last notebook.
    """
    import asyncio

    from jupyter_core.utils import ensure_event_loop

    loop = ensure_event_loop()
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    if pending:
        loop.run_until_complete(asyncio.wait(pending, timeout=1))


def _alive(kernel: Kernel) -> bool:
    process = kernel.process
    return process is None or process.poll() is None


def _stderr(kernel: Kernel) -> str:
    # ipykernel warns about unencrypted TCP on every start: noise in a crash report
    tail = "\n".join(line for line in kernel.stderr_tail().splitlines() if "without encryption" not in line)
    return f"kernel stderr (last lines):\n{tail}" if tail else ""


def _one_line(value: object) -> str:
    text = str(value).strip()
    first = text.splitlines()[0] if text else type(value).__name__
    return first if len(first) <= 300 else first[:297] + "..."
