"""Execute one notebook with papermill on a pool kernel and say how it ended.

The execution layer does the work (``nbgate.execution``: the engine, its
deadline, ``outcome.classify`` for how it ended and which cell); this module
words the outcome as a smoke ``Failure``. Papermill gets no output path, so it never
rewrites the output notebook while running (``request_save_on_cell_execute``
off); the caller writes the executed notebook once, at the end.
"""

from __future__ import annotations

import math
import time
from typing import Any, NamedTuple

from nbgate.execution.attribution import CellError, declared, is_marker_cell
from nbgate.execution.deadline import Deadline
from nbgate.execution.outcome import (
    DEAD_KERNEL,
    KERNEL_START,
    PASSED,
    TIMEOUT,
    cell_number,
    classify,
)
from nbgate.execution.transport import settle
from nbgate.notebook import Notebook
from nbgate.smoke.pool import Kernel
from nbgate.smoke.report import Failure


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


def execute(
    nb: Notebook, parameters: dict[str, Any] | None, kernel: Kernel, settings: Settings
) -> SmokeRun:
    """Run ``nb`` (a plain dict) with ``parameters`` injected on the pool ``kernel``.

    The kernel is left running; the caller releases it to the pool.
    """
    import nbformat
    import papermill

    from nbgate.execution.engine import (  # subclasses papermill's engine: imports papermill
        ENGINE_NAME,
        Tracker,
    )

    started = time.monotonic()
    if kernel.error is not None:
        failure = Failure(
            "kernel-start",
            f"could not start kernel {kernel.spec.name!r}: {kernel.error}",
            extra=_stderr(kernel),
        )
        return SmokeRun("error", None, failure, 0.0)

    try:
        own = declared(nb)
    except ValueError as exc:
        return SmokeRun("error", None, Failure("metadata", str(exc)), 0.0)
    cell_timeout = settings.cell_timeout
    if own.cell_timeout is not None and not settings.cell_timeout_forced:
        cell_timeout = own.cell_timeout
        settings = settings._replace(cell_timeout=cell_timeout)
    # the whole-notebook clock starts at the first cell: kernel start-up has its own limit
    tracker = Tracker(
        km=kernel.km,
        deadline=Deadline(cell_timeout, settings.timeout),
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
        settle()
    duration = time.monotonic() - started
    executed = tracker.nb
    if tracker.completed and type(error).__name__ == "PapermillExecutionError":
        # papermill's scan of the outputs after the run: an expected error (raises-exception,
        # allow_errors) is no failure, and an unexpected one is attributed below, to its own cell
        error = None
        executed.cells[:] = [cell for cell in executed.cells if not is_marker_cell(cell)]

    outcome = classify(tracker, error)
    if outcome.kind == PASSED:
        return SmokeRun("passed", executed, None, duration)
    if outcome.error is not None:
        return SmokeRun("failed", executed, _cell_error(executed, outcome.error), duration)
    if outcome.kind == TIMEOUT:
        if tracker.deadline.whole:
            why = f"notebook timed out after {settings.timeout:g} s (whole-notebook timeout, smoke.timeout)"
        else:
            source = (
                "--nbgate-cell-timeout"
                if settings.cell_timeout_forced
                else "metadata.execution.timeout"
                if own.cell_timeout is not None
                else "smoke.cell_timeout"
            )
            why = f"cell timed out after {settings.cell_timeout:g} s (per-cell timeout, {source})"
        return SmokeRun(
            "timeout", executed, _at_cell(executed, outcome.position, "timeout", why), duration
        )
    if outcome.kind == DEAD_KERNEL:
        why = "the kernel died while the cell was running"
        return SmokeRun(
            "dead-kernel",
            executed,
            _at_cell(executed, outcome.position, "dead-kernel", why, _stderr(kernel)),
            duration,
        )
    if outcome.kind == KERNEL_START:
        summary = f"kernel {kernel.spec.name!r} did not start: {_one_line(error)}"
        if "didn't respond" in str(error) or isinstance(error, TimeoutError):
            summary = f"kernel {kernel.spec.name!r} did not become ready within {startup:g} s (smoke.startup_timeout)"
        return SmokeRun(
            "error", executed, Failure("kernel-start", summary, extra=_stderr(kernel)), duration
        )
    if error is not None:
        import traceback

        tb = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        failure = _at_cell(
            executed, outcome.position, "error", f"execution failed: {_one_line(error)}"
        )
        return SmokeRun("error", executed, failure._replace(traceback=tb), duration)
    # defensive: papermill returned without running every cell
    return SmokeRun(
        "error", executed, Failure("error", "execution stopped before the last cell"), duration
    )


# ---------------------------------------------------------------------- helpers


def _at_cell(
    nb: Notebook | None, index: int | None, kind: str, summary: str, extra: str = ""
) -> Failure:
    if nb is None or index is None:
        return Failure(kind, summary, extra=extra)
    cell = nb["cells"][index]
    number = cell_number(nb, index)
    if number is None:
        summary += " (in the cell papermill injected with the parameters)"
    return Failure(kind, summary, number, str(cell.get("source", "")), extra=extra)


def _cell_error(nb: Notebook, found: CellError) -> Failure:
    summary = (
        f"{found.ename}: {found.evalue}" if found.evalue else found.ename or "cell raised an error"
    )
    failure = _at_cell(nb, found.position, "cell-error", _one_line(summary))
    return failure._replace(line=found.line, traceback=found.traceback)


def _stderr(kernel: Kernel) -> str:
    # ipykernel warns about unencrypted TCP on every start: noise in a crash report
    tail = "\n".join(
        line for line in kernel.stderr_tail().splitlines() if "without encryption" not in line
    )
    return f"kernel stderr (last lines):\n{tail}" if tail else ""


def _one_line(value: object) -> str:
    text = str(value).strip()
    first = text.splitlines()[0] if text else type(value).__name__
    return first if len(first) <= 300 else first[:297] + "..."
