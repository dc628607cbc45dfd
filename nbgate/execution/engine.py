"""The papermill engine every notebook execution goes through, and what it records.

Papermill's own engine starts a kernel per notebook, rewrites the output
file at every cell start and finish (when given an output path), and marks
the notebook "completed" even after a timeout. This engine (registered as
``nbgate``) is papermill's nbclient engine with these changes:

- the ``PapermillNotebookClient`` gets a kernel manager (``Tracker.km``)
  when the caller has one running (the smoke pool's kernel, booted while the
  previous notebook ran); without one nbclient starts its own kernel, with
  the caller's ``kernel_manager_class`` and transport (``nbgate run``);
- the start-up handshake does not idle 0.2 s (``transport.wait_for_ready``);
- the cell loop records which cell ran and how it ended in a ``Tracker``,
  the source of truth for pass/fail and for "which cell" (``outcome``);
- with ``Tracker.markers``, cells whose markers say so are skipped or may
  raise (``nbgate.execution.attribution``);
- per-cell timeouts shrink to what is left of the whole-notebook timeout
  (``deadline.Deadline`` as nbclient's ``timeout_func``).

A kernel the caller passed in is never shut down here: the caller kills it.
Importing this module imports papermill and nbformat (about 1.3 s).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import CellExecutionError
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

from nbgate.execution.attribution import cell_policy
from nbgate.execution.deadline import Deadline
from nbgate.execution.transport import process_of, wait_for_ready

ENGINE_NAME = "nbgate"
#: nbclient's log ("Kernel died while waiting...") goes here, not to stderr, unless the tracker names another
logger = logging.getLogger("nbgate.execution")
logger.addHandler(logging.NullHandler())


@dataclass
class Tracker:
    """What the execution did, filled in as it runs (read by ``outcome.classify`` afterwards).

    ``km``: a started kernel manager to run on (kept running), or ``None``
    for nbclient to start one. ``markers``: honour the skip and nbval
    may-raise markers of ``attribution`` (smoke tests); without, only
    nbclient's own ``raises-exception`` tag (a production run executes every
    cell as written).
    """

    km: Any
    deadline: Deadline
    allow_errors: bool = False  # the notebook's metadata.execution.allow_errors
    markers: bool = True
    log: logging.Logger = logger
    nb: Any = None
    client: Any = None
    process: Any = None  # the kernel process, once the client has its kernel
    current: int | None = None
    cell: Any = None
    completed: bool = False
    error: CellExecutionError | None = None
    started: dict[int, float] = field(default_factory=dict)


class _Client(PapermillNotebookClient):  # type: ignore[misc]
    """Papermill's client with the cell loop instrumented for the tracker."""

    def __init__(self, nb_man: Any, tracker: Tracker, **kw: Any) -> None:
        super().__init__(nb_man, km=tracker.km, **kw)
        self.tracker = tracker

    async def async_start_new_kernel_client(self) -> Any:
        """nbclient's client start-up with a handshake that does not idle 0.2 s per kernel."""
        self.tracker.process = process_of(self.km)
        try:
            self.kc = self.km.client()
            await ensure_async(self.kc.start_channels())
            await wait_for_ready(self.kc, self.km, self.startup_timeout)
        except Exception:
            await self._async_cleanup_kernel()
            raise
        self.kc.allow_stdin = False
        return self.kc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)  # nbclient binds the base one

    def papermill_execute_cells(self) -> None:
        """Papermill's loop, recording the running cell and a cell error as they happen."""
        tracker = self.tracker
        tracker.deadline.start()
        for index, cell in enumerate(self.nb.cells):
            policy = (
                cell_policy(cell) if tracker.markers and cell.get("cell_type") == "code" else None
            )
            if policy is not None and policy.skip:
                continue  # nbgate-skip-cell, nbval-skip, # NBVAL_SKIP: never sent to the kernel
            # nbclient allows errors per run (and for the raises-exception tag): set it per cell,
            # so nbval's spellings also stop the kernel from aborting on the expected error
            self.allow_errors = tracker.allow_errors or (policy is not None and policy.raises)
            tracker.current, tracker.cell = index, cell
            tracker.started[index] = time.monotonic()
            try:
                self.nb_man.cell_start(cell, index)
                self.execute_cell(cell, index)
            except CellExecutionError as ex:
                tracker.error = ex
                self.nb_man.cell_exception(self.nb.cells[index], cell_index=index, exception=ex)
                break
            finally:
                self.nb_man.cell_complete(self.nb.cells[index], cell_index=index)
        else:
            tracker.completed = True


class NbgateEngine(NBClientEngine):  # type: ignore[misc]
    """Papermill's nbclient engine recording into the ``nbgate_tracker`` kwarg (a ``Tracker``)."""

    @classmethod
    def execute_managed_notebook(  # noqa: PLR0917 - private helper or library override, arguments in order
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: int = 60,
        execution_timeout: Any = None,
        **kwargs: Any,
    ) -> Any:
        """Execute ``nb_man.nb`` on the tracker's kernel manager, or on a kernel nbclient starts."""
        tracker: Tracker = kwargs.pop("nbgate_tracker")
        kwargs.pop("input_path", None)
        kwargs.pop("timeout_func", None)
        tracker.nb = nb_man.nb
        if (
            tracker.km is not None
        ):  # not ours to stop: the caller kills it (nbclient then leaves it anyway)
            kwargs["shutdown_kernel"] = "immediate"
        client = _Client(
            nb_man,
            tracker,
            timeout_func=tracker.deadline,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=tracker.log,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
            **kwargs,
        )
        tracker.client = client
        return client.execute()


papermill_engines.register(ENGINE_NAME, NbgateEngine)
