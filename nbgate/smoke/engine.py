"""A papermill engine that runs on a pre-started kernel and records what happened.

Papermill's own engine starts a kernel per notebook, rewrites the output
file at every cell start and finish (when given an output path), and marks
the notebook "completed" even after a timeout. This engine is papermill's
nbclient engine with four changes: cells whose markers say so are skipped or
may raise (``nbgate.execution.attribution``); the ``PapermillNotebookClient`` gets the
pool's kernel manager (``km``), so the kernel that booted while the previous
notebook ran is used; the cell loop records which cell ran and how it ended
in a ``Tracker``, the source of truth for pass/fail; and per-cell timeouts
shrink to what is left of the whole-notebook timeout (nbclient's
``timeout_func``). The kernel is never shut down here: the pool kills it.

Importing this module imports papermill and nbformat (about 1.3 s).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from queue import Empty
from typing import Any

from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import CellExecutionError
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

from nbgate.execution.attribution import cell_policy

ENGINE_NAME = "nbgate"
#: nbclient's log ("Kernel died while waiting...") goes here, not to stderr; pytest still captures it
logger = logging.getLogger("nbgate.smoke")
logger.addHandler(logging.NullHandler())


@dataclass
class Tracker:
    """What the execution did, filled in as it runs (read by the runner afterwards)."""

    km: Any
    cell_timeout: float | None
    timeout: float | None  # whole notebook, counted from the first cell (kernel start-up has its own)
    allow_errors: bool = False  # the notebook's metadata.execution.allow_errors
    deadline: float | None = None
    nb: Any = None
    client: Any = None
    current: int | None = None
    cell: Any = None
    completed: bool = False
    error: CellExecutionError | None = None
    limit: str = "cell"
    started: dict[int, float] = field(default_factory=dict)

    def timeout_for(self, cell: Any) -> float | None:
        """The timeout of the cell about to run: the per-cell one or what is left overall."""
        limits: list[tuple[float, str]] = []
        if self.cell_timeout:
            limits.append((self.cell_timeout, "cell"))
        if self.deadline is not None:
            limits.append((max(self.deadline - time.monotonic(), 0.001), "notebook"))
        if not limits:
            return None
        seconds, self.limit = min(limits)
        return seconds


async def wait_for_ready(kc: Any, km: Any, timeout: float) -> None:
    """Wait until the kernel answers ``kernel_info`` on shell and publishes on IOPub.

    jupyter_client's ``wait_for_ready`` does the same and then drains IOPub
    until it has been silent for 0.2 s: 0.2 s of idling per notebook, most of
    a small notebook's run once its kernel was started ahead. The drain is not
    needed here: nbclient reads only the IOPub and shell messages whose parent
    is the request it sent, so the leftover status messages of the handshake
    are skipped. The IOPub check stays: a reply proves shell works, a status
    message proves the IOPub subscription is live, so no output is lost.
    """
    deadline = time.monotonic() + timeout
    while True:
        msg_id = kc.kernel_info()
        reply = None
        wait_until = min(time.monotonic() + 1.0, deadline)
        while reply is None:
            try:
                msg = await ensure_async(kc.shell_channel.get_msg(timeout=max(wait_until - time.monotonic(), 0)))
            except Empty:
                break
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                reply = msg
        if reply is not None:
            try:
                await ensure_async(kc.iopub_channel.get_msg(timeout=0.2))
            except Empty:  # IOPub not subscribed yet (slow joiner): ask again
                pass
            else:
                kc._handle_kernel_info_reply(reply)
                return
        if not await ensure_async(km.is_alive()):
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() >= deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
        await asyncio.sleep(0)


class _Client(PapermillNotebookClient):  # type: ignore[misc]
    """Papermill's client with the cell loop instrumented for the tracker."""

    def __init__(self, nb_man: Any, tracker: Tracker, **kw: Any) -> None:
        super().__init__(nb_man, km=tracker.km, **kw)
        self.tracker = tracker

    async def async_start_new_kernel_client(self) -> Any:
        """nbclient's client start-up with a handshake that does not idle 0.2 s per kernel."""
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
        if tracker.timeout:
            tracker.deadline = time.monotonic() + tracker.timeout
        for index, cell in enumerate(self.nb.cells):
            policy = cell_policy(cell) if cell.get("cell_type") == "code" else None
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
    """Papermill's nbclient engine on a pre-started kernel (``nbgate_tracker`` kwarg)."""

    @classmethod
    def execute_managed_notebook(
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
        """Execute ``nb_man.nb`` on the tracker's kernel manager."""
        tracker: Tracker = kwargs.pop("nbgate_tracker")
        kwargs.pop("input_path", None)
        tracker.nb = nb_man.nb
        client = _Client(
            nb_man,
            tracker,
            timeout_func=tracker.timeout_for,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
            shutdown_kernel="immediate",
            **kwargs,
        )
        tracker.client = client
        return client.execute()


papermill_engines.register(ENGINE_NAME, NbgateEngine)
