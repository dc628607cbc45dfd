"""Execute one notebook with papermill and say plainly whether it failed, and where.

papermill's top-level ``execute_notebook`` re-reads its input and, with
``request_save_on_cell_execute=False``, writes nothing when a cell times
out or the kernel dies. So this module composes papermill's own steps
(``load_notebook_node``, ``parameterize_notebook``, the nbclient engine,
``raise_for_execution_errors``) around one notebook object it keeps, and
always returns the executed notebook for the caller to write, once.

Timeouts: the per-cell limit and the whole-notebook deadline both reach
nbclient through its ``timeout_func``: each cell gets the smaller of the
cell limit and the time left. Pass or fail comes from the execution itself,
never from papermill's metadata (which says "completed" after a timeout).
Heavy imports (papermill, nbformat, nbclient) happen inside the functions.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from nbgate.errors import ExecutionError
from nbgate.execution.attribution import first_error

#: Cell tag papermill gives the cell holding the injected parameters.
INJECTED = "injected-parameters"


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


def prepare(nb: Any, parameters: Mapping[str, Any], *, kernel: str | None, input_label: str, output_uri: str) -> Any:
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


class _Budget:
    """nbclient ``timeout_func``: each cell gets min(cell limit, time left overall)."""

    def __init__(self, cell_timeout: float | None, timeout: float | None) -> None:
        self.cell_timeout = cell_timeout if cell_timeout and cell_timeout > 0 else None
        self.timeout = timeout if timeout and timeout > 0 else None
        self.deadline = time.monotonic() + self.timeout if self.timeout else None
        self.whole = False  # the last cell's limit came from the whole-notebook deadline

    def __call__(self, cell: Any) -> float | None:
        if self.deadline is None:
            self.whole = False
            return self.cell_timeout
        left = max(self.deadline - time.monotonic(), 0.01)  # nbclient reads 0 as "no timeout"
        self.whole = self.cell_timeout is None or left < self.cell_timeout
        return left if self.whole else self.cell_timeout


@contextmanager
def _chdir(path: Path) -> Iterator[None]:
    from papermill.utils import chdir

    with chdir(str(path)):
        yield


@contextmanager
def _kernel_transport() -> Iterator[dict[str, Any]]:
    """nbclient keywords that put the kernel on Unix sockets in a private folder (POSIX).

    Over TCP, jupyter_client picks ports by binding and releasing them, so
    runs started together (a scheduler's backfill) can race for a port, and
    ipykernel 7 warns on every start that TCP is unencrypted. Elsewhere: TCP.
    """
    if os.name != "posix":
        yield {}
        return
    from traitlets.config import Config

    folder = tempfile.mkdtemp(prefix="nbgate-run-")
    try:
        yield {"config": Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(folder, "kernel")}})}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _kernels_killed_on_interrupt() -> Iterator[type]:
    """A kernel manager class that remembers its kernels; on Ctrl-C or SIGTERM they are SIGKILLed.

    An interruption reaches nbclient wherever it is, possibly while the
    kernel still boots: nothing would stop that kernel, which then either
    outlives the run or, once the private socket folder is gone, prints a
    ``ZMQError`` traceback on the terminal. Killing the kernels first (before
    the folder goes) and retrieving the exceptions of nbclient's abandoned
    tasks (``DeadKernelError``, "Task exception was never retrieved") leaves
    the one-line message of ``nbgate.cli.main``.
    """
    from jupyter_client.manager import AsyncKernelManager

    managers: list[Any] = []

    class Manager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            # remembered before the launch: an interruption inside it still finds the provisioner's process
            managers.append(self)
            await super()._async_launch_kernel(kernel_cmd, **kw)

    try:
        yield Manager
    except BaseException:
        for manager in managers:
            _kill_group(getattr(getattr(manager, "provisioner", None), "process", None))
        _forget_tasks()
        raise


def _kill_group(process: Any) -> None:
    import signal

    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)  # jupyter_client starts a kernel in its own session
    except (OSError, AttributeError):
        try:
            process.kill()
        except OSError:
            pass
    try:
        process.wait(timeout=10)
    except Exception:  # noqa: BLE001, S110 - it was SIGKILLed: the wait is a courtesy
        pass


def _forget_tasks() -> None:
    """Cancel nbclient's pending tasks on this thread's loop and retrieve their exceptions."""
    import asyncio

    from jupyter_core.utils import ensure_event_loop

    loop = ensure_event_loop()
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        try:
            loop.run_until_complete(asyncio.wait(pending, timeout=2))
        except BaseException:  # noqa: BLE001, S110 - a second signal: leave the rest to the exit
            pass
    for task in pending:
        if task.done() and not task.cancelled():
            task.exception()  # marks it retrieved: no "Task exception was never retrieved" at exit


def _mark_failed_cell(nb: Any, ename: str, evalue: str) -> None:
    """Record a timeout or dead kernel on the cell that was running, as an error output."""
    import nbformat

    started = [cell for cell in nb.cells if cell.get("metadata", {}).get("papermill", {}).get("start_time")]
    nb.metadata.setdefault("papermill", {})["exception"] = True
    if not started:
        return
    cell = started[-1]
    cell.setdefault("outputs", []).append(
        nbformat.v4.new_output(  # type: ignore[no-untyped-call]
            "error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])
    )
    cell.metadata.papermill["exception"] = True
    cell.metadata.papermill["status"] = "failed"


def _first_line(text: str) -> str:
    from nbgate.output import strip_ansi

    line = strip_ansi(str(text)).strip().splitlines()
    return (line[0] if line else "")[:300]


def _quiet_shutdown(kernel_name: str) -> list[str]:
    """Kernel arguments that keep an ipykernel quiet about the interrupt jupyter_client sends at shutdown.

    ``KernelManager.shutdown_kernel`` interrupts the kernel before asking it to
    stop; an idle ipykernel then logs ``[IPKernelApp] ERROR | KeyboardInterrupt
    caught in kernel.`` to the run's stderr after a successful run. Errors of
    the notebook itself travel as outputs, not through this log. Other kernels
    get no arguments (they would not know the option).
    """
    from jupyter_client.kernelspec import NoSuchKernel, get_kernel_spec

    try:
        argv = get_kernel_spec(kernel_name).argv
    except (NoSuchKernel, OSError, ValueError):
        return []
    if any("ipykernel" in part for part in argv):
        return ["--IPKernelApp.log_level=CRITICAL"]
    return []


def execute(nb: Any, *, kernel: str | None, cwd: Path, cell_timeout: float | None, timeout: float | None,
            startup_timeout: float = 60.0, stream: bool = False) -> ExecutedNotebook:
    """Run the prepared notebook ``nb`` in ``cwd``; never raises for a notebook failure."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import raise_for_execution_errors

    kernel_name = papermill_engines.nb_kernel_name(engine_name=None, nb=nb, name=kernel)
    budget = _Budget(cell_timeout, timeout)
    problem: str | None = None
    try:
        with _chdir(cwd), _kernel_transport() as transport, _kernels_killed_on_interrupt() as manager_class:
            papermill_engines.execute_notebook_with_engine(
                None, nb, kernel_name=kernel_name, input_path=nb.metadata.papermill.get("input_path"),
                output_path=None, progress_bar=False, log_output=False, start_timeout=startup_timeout,
                stdout_file=sys.stdout if stream else None, stderr_file=sys.stderr if stream else None,
                execution_timeout=budget.cell_timeout, timeout_func=budget, kernel_manager_class=manager_class,
                extra_arguments=_quiet_shutdown(kernel_name), **transport,
            )
    except (CellTimeoutError, TimeoutError) as exc:
        # the engine runs the notebook object in place, so `nb` holds every output so far
        if budget.whole:
            evalue = f"the notebook exceeded its whole-notebook timeout of {budget.timeout:g} s"
        else:
            evalue = f"the cell exceeded its timeout of {budget.cell_timeout:g} s"
        problem = _mark_and_summarise(nb, "CellTimeoutError", evalue) or f"timeout: {_first_line(str(exc))}"
    except DeadKernelError as exc:
        problem = _mark_and_summarise(nb, "DeadKernelError", f"the kernel died: {_first_line(str(exc))}")
        problem = problem or f"the kernel died: {_first_line(str(exc))}"
    except Exception as exc:  # noqa: BLE001 - the kernel could not start (unknown kernel, start-up timeout...)
        nb.metadata.setdefault("papermill", {})["exception"] = True
        problem = f"kernel {kernel_name!r} could not run the notebook: {type(exc).__name__}: {_first_line(str(exc))}"
    positions = _positions(nb)  # before papermill inserts its marker cells
    found = first_error(nb.cells) if problem is None else None  # raises-exception cells may raise
    stopped = bool(nb.metadata.get("papermill", {}).get("exception"))  # papermill's loop stopped at an error
    if problem is None and found is None and not stopped:
        return ExecutedNotebook(True, dumps(nb), None)
    if found is not None:
        count = nb.cells[found.position].get("execution_count")
        problem = _summary(count, positions.get(found.position, found.position + 1), found.ename, found.evalue)
    try:
        # adds papermill's "An Exception was encountered" markers, also for a cell
        # marked above after a timeout or a dead kernel
        raise_for_execution_errors(nb, None)
    except PapermillExecutionError as exc:
        if problem is None:
            position = positions.get(exc.cell_index, exc.cell_index + 1)
            problem = _summary(exc.exec_count, position, exc.ename, exc.evalue)
    return ExecutedNotebook(problem is None, dumps(nb), problem)


def _positions(nb: Any) -> dict[int, int]:
    """Cell index -> 1-based position among the promoted notebook's own cells."""
    own = [i for i, cell in enumerate(nb.cells) if INJECTED not in cell.get("metadata", {}).get("tags", [])]
    return {index: position for position, index in enumerate(own, start=1)}


def _summary(exec_count: int | None, position: int, ename: str, evalue: str) -> str:
    where = f"cell {position}" + (f" (In [{exec_count}])" if exec_count is not None else "")
    detail = _first_line(evalue)
    return f"{where}: {ename}" + (f": {detail}" if detail else "")


def _mark_and_summarise(nb: Any, ename: str, evalue: str) -> str | None:
    _mark_failed_cell(nb, ename, evalue)
    started = [i for i, c in enumerate(nb.cells) if c.get("metadata", {}).get("papermill", {}).get("start_time")]
    if not started:
        return None
    index = started[-1]
    position = _positions(nb).get(index, index + 1)
    return _summary(nb.cells[index].get("execution_count"), position, ename, evalue)
