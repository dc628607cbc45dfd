"""Execute one notebook with papermill and say plainly whether it failed, and where.

papermill's top-level ``execute_notebook`` re-reads its input and, with
``request_save_on_cell_execute=False``, writes nothing when a cell times
out or the kernel dies. So this module composes papermill's own steps
(``load_notebook_node``, ``parameterize_notebook``, the engine,
``raise_for_execution_errors``) around one notebook object it keeps, and
always returns the executed notebook for the caller to write, once.

The execution itself is the shared layer's (``nbgate.execution``): its
papermill engine on a kernel nbclient starts (Unix sockets in a private
folder, killed on Ctrl-C or SIGTERM), its ``Deadline`` (the whole-notebook
clock starts before the kernel does: a run's timeout covers start-up), and
``outcome.classify`` for pass/fail and which cell; this module words the
outcome as the run's one-line error and marks it in the output notebook.
Every cell runs as written: the smoke-test markers (skip, nbval's may-raise
spellings) are not applied to a production run; nbclient's own
``raises-exception`` tag is. Heavy imports (papermill, nbformat, nbclient)
happen inside the functions.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from nbgate.errors import ExecutionError
from nbgate.execution import transport
from nbgate.execution.deadline import Deadline
from nbgate.execution.outcome import DEAD_KERNEL, PASSED, TIMEOUT, cell_number, classify
from nbgate.output import strip_ansi


class ExecutedNotebook(NamedTuple):
    """The outcome of one execution: the notebook to keep and the error summary, if any."""

    ok: bool
    text: str
    error: str | None


def load(raw: bytes, label: str) -> Any:
    """The promoted notebook as papermill's ``NotebookNode`` (with papermill metadata)."""
    import nbformat
    from papermill.iorw import load_notebook_node

    try:
        node = nbformat.reads(raw.decode("utf-8"), as_version=4)  # type: ignore[no-untyped-call]
    except Exception as exc:  # noqa: BLE001 - nbformat raises several unrelated types for bad input
        raise ExecutionError(f"{label}: cannot load the notebook: {exc}") from None
    return load_notebook_node(node)


def prepare(
    nb: Any, parameters: Mapping[str, Any], *, kernel: str | None, input_label: str, output_uri: str
) -> Any:
    """Inject ``parameters`` after the parameters cell and record papermill's metadata."""
    from papermill.execute import prepare_notebook_metadata, remove_error_markers
    from papermill.parameterize import parameterize_notebook

    if parameters:
        nb = parameterize_notebook(nb, dict(parameters), kernel_name=kernel)
    nb = prepare_notebook_metadata(nb, input_label, output_uri)
    return remove_error_markers(nb)


def dumps(nb: Any) -> str:
    """The notebook as papermill writes it."""
    import nbformat

    return str(nbformat.writes(nb))  # type: ignore[no-untyped-call]


@contextmanager
def _chdir(path: Path) -> Iterator[None]:
    from papermill.utils import chdir

    with chdir(str(path)):
        yield


def _mark_failed_cell(nb: Any, index: int | None, ename: str, evalue: str) -> None:
    """Record a timeout or dead kernel on the cell that was running, as an error output."""
    import nbformat

    nb.metadata.setdefault("papermill", {})["exception"] = True
    if index is None:
        return
    cell = nb.cells[index]
    cell.setdefault("outputs", []).append(
        nbformat.v4.new_output(  # type: ignore[no-untyped-call]
            "error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]
        )
    )
    cell.metadata.setdefault("papermill", {})["exception"] = True
    cell.metadata.papermill["status"] = "failed"


def _first_line(text: str) -> str:
    line = strip_ansi(str(text)).strip().splitlines()
    return (line[0] if line else "")[:300]


def execute(
    nb: Any,
    *,
    kernel: str | None,
    cwd: Path,
    cell_timeout: float | None,
    timeout: float | None,
    startup_timeout: float = 60.0,
    stream: bool = False,
) -> ExecutedNotebook:
    """Run the prepared notebook ``nb`` in ``cwd``; never raises for a notebook failure."""
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import raise_for_execution_errors
    from papermill.log import logger

    from nbgate.execution.engine import (  # subclasses papermill's engine: imports papermill
        ENGINE_NAME,
        Tracker,
    )

    kernel_name = papermill_engines.nb_kernel_name(engine_name=None, nb=nb, name=kernel)
    deadline = Deadline(cell_timeout, timeout)
    deadline.start()  # a run's whole-notebook timeout covers its kernel's start-up
    # every cell runs as written: only nbclient's own raises-exception tag lets a cell raise
    tracker = Tracker(km=None, deadline=deadline, markers=False, log=logger)
    raised: BaseException | None = None
    try:
        with (
            _chdir(cwd),
            transport.private_ipc() as ipc,
            transport.kernels_killed_on_interrupt() as manager_class,
        ):
            papermill_engines.execute_notebook_with_engine(
                ENGINE_NAME,
                nb,
                kernel_name=kernel_name,
                input_path=nb.metadata.papermill.get("input_path"),
                output_path=None,
                progress_bar=False,
                log_output=False,
                start_timeout=startup_timeout,
                stdout_file=sys.stdout if stream else None,
                stderr_file=sys.stderr if stream else None,
                kernel_manager_class=manager_class,
                extra_arguments=transport.quiet_shutdown(kernel_name),
                nbgate_tracker=tracker,
                **ipc,
            )
    except Exception as exc:  # noqa: BLE001 - judged below from the tracker
        raised = exc
    # the engine runs the notebook object in place, so `nb` holds every output so far
    outcome = classify(tracker, raised)
    if outcome.kind == PASSED:
        return ExecutedNotebook(True, dumps(nb), None)
    where = _where(nb, outcome.position)
    if outcome.error is not None:
        problem = where(outcome.error.ename, outcome.error.evalue)
    elif outcome.kind == TIMEOUT:
        if deadline.whole:
            evalue = f"the notebook exceeded its whole-notebook timeout of {deadline.timeout:g} s"
        else:
            evalue = f"the cell exceeded its timeout of {deadline.cell_timeout:g} s"
        _mark_failed_cell(nb, outcome.position, "CellTimeoutError", evalue)
        problem = where("CellTimeoutError", evalue) or f"timeout: {_first_line(str(raised))}"
    elif outcome.kind == DEAD_KERNEL:
        evalue = f"the kernel died: {_first_line(str(raised))}"
        _mark_failed_cell(nb, outcome.position, "DeadKernelError", evalue)
        problem = where("DeadKernelError", evalue) or evalue
    else:  # the kernel could not start (unknown kernel, start-up timeout...) or the execution broke
        nb.metadata.setdefault("papermill", {})["exception"] = True
        detail = (
            f"{type(raised).__name__}: {_first_line(str(raised))}"
            if raised
            else "stopped before the last cell"
        )
        problem = f"kernel {kernel_name!r} could not run the notebook: {detail}"
    try:
        # adds papermill's "An Exception was encountered" markers, also for a cell
        # marked above after a timeout or a dead kernel
        raise_for_execution_errors(nb, None)
    except PapermillExecutionError:
        pass
    return ExecutedNotebook(False, dumps(nb), problem)


def _where(nb: Any, index: int | None) -> Callable[[str, str], str | None]:
    """``(ename, evalue) -> "cell 3 (In [2]): ename: evalue"`` for cell ``index`` (``None``: no cell)."""

    def summary(ename: str, evalue: str) -> str | None:
        if index is None:
            return None
        count = nb.cells[index].get("execution_count")
        position = (
            cell_number(nb, index) or index + 1
        )  # the injected parameters are no cell of the notebook
        where = f"cell {position}" + (f" (In [{count}])" if count is not None else "")
        detail = _first_line(evalue)
        return f"{where}: {ename}" + (f": {detail}" if detail else "")

    return summary
