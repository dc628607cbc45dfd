"""A pool of pre-started, fresh kernels: one per notebook, never reused.

Kernel start-up (about 0.5 s of a kernel process importing IPython) dominates
small notebooks. The pool is told which kernels the coming notebooks need
(kernel name and working folder, in run order) and keeps ``size`` of them
booting ahead, so start-up overlaps the execution of the notebook before.
Launching is only a ``Popen`` (about 15 ms); the boot itself happens in the
kernel's own process. A kernel is handed out once and killed after use with
SIGKILL to its process group; the blocking wait for the dead process runs on
a reaper thread, off the critical path (a graceful shutdown can stall for
seconds). Unused kernels are killed on ``close``.

With ``fork`` (``smoke.kernel_start``, Linux only) a launch asks a template
process that has already imported ipykernel to fork the kernel
(``nbgate.smoke.forkserver``): about 0.05 s of CPU per kernel instead of 0.45 s.
The template costs about 0.5 s of CPU itself and the kernels launched while
it imports are spawned, so it is started only once a run has launched or
planned ``FORK_AFTER`` kernels; a run of one to three notebooks spawns them all.
"""

from __future__ import annotations

import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any, NamedTuple

from nbgate.execution import transport

#: kernels launched or planned before a template process is worth starting (see the module docstring)
FORK_AFTER = 4


class KernelSpec(NamedTuple):
    """What a notebook needs from a kernel: its name and the folder to start it in."""

    name: str
    cwd: str


@dataclass
class Kernel:
    """A launched kernel (maybe still booting) and what is needed to kill it."""

    spec: KernelSpec
    km: Any  # jupyter_client AsyncKernelManager
    launched_at: float
    stderr: IO[bytes] | None
    error: BaseException | None = None
    process: Any = None
    released: bool = field(default=False)

    def stderr_tail(self, lines: int = 15) -> str:
        """The last lines the kernel process wrote to its stderr (start-up errors, crashes)."""
        if self.stderr is None or self.stderr.closed:
            return ""
        try:
            self.stderr.seek(0)
            text = self.stderr.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""
        return "\n".join(text.rstrip().splitlines()[-lines:])


class KernelPool:
    """Fresh kernels started ahead of need; see the module docstring."""

    def __init__(
        self, size: int = 2, kernel_start: str = "fork", fork_after: int = FORK_AFTER
    ) -> None:
        self.size = max(0, size)
        self.fork = kernel_start == "fork" and sys.platform.startswith("linux")
        self.fork_after = fork_after
        self._foreseen = 0
        self._templates: Any = None
        self._plan: deque[KernelSpec] = deque()
        self._ready: list[Kernel] = []
        self._reaped: queue.Queue[Any] = queue.Queue()
        self._reaper: threading.Thread | None = None
        self._specs: Any = None
        self._ipc: str | None = None
        self.launched = 0

    # ------------------------------------------------------------------ planning

    def expect(self, specs: Iterable[KernelSpec]) -> None:
        """Add the kernels upcoming notebooks need, in run order, and start the first ones."""
        self._plan.extend(specs)
        self._top_up()

    def foresee(self, count: int) -> None:
        """About ``count`` notebooks will run on this pool though only the next ones are planned
        (an xdist worker's share): it counts towards ``fork_after`` from the first launch."""
        self._foreseen = count

    def acquire(self, spec: KernelSpec) -> Kernel:
        """A fresh kernel for ``spec``: a pre-started one if there is one, else launched now.

        The kernel may still be booting; the runner waits for it with the
        start-up timeout counted from ``launched_at``.
        """
        for index, kernel in enumerate(self._ready):
            if kernel.spec == spec:
                del self._ready[index]
                if self._templates is not None and self._templates.broken(kernel.process):
                    # a notebook killed or stopped the template this kernel was forked from:
                    # the kernel goes with it, so start this one again (spawned while a new template imports)
                    self.release(kernel)
                    self._drop_broken()
                    kernel = self._launch(spec)
                break
        else:
            try:
                self._plan.remove(spec)
            except ValueError:
                pass
            kernel = self._launch(spec)
        self._top_up()
        return kernel

    def _drop_broken(self) -> None:
        """Relaunch the other started-ahead kernels of broken templates."""
        for index, kernel in enumerate(self._ready):
            if self._templates is not None and self._templates.broken(kernel.process):
                self.release(kernel)
                self._ready[index] = self._launch(kernel.spec)

    def _top_up(self) -> None:
        while self._plan and len(self._ready) < self.size:
            self._ready.append(self._launch(self._plan.popleft()))

    def _launch(self, spec: KernelSpec) -> Kernel:
        from jupyter_client.kernelspec import KernelSpecManager

        from nbgate.smoke.forkserver import (  # imports jupyter_client: only when a kernel starts
            ForkingKernelManager,
            Templates,
        )

        self.launched += 1
        if self._specs is None:
            # one manager for all launches: finding the kernelspec folders costs 60 ms each time
            self._specs = KernelSpecManager()
        stderr = tempfile.TemporaryFile(prefix="nbgate-kernel-")  # noqa: SIM115 - the file is the kernel's stderr until the kernel is reaped
        if (
            self._ipc is None
        ):  # one socket folder for the pool's kernels (see nbgate.execution.transport)
            self._ipc = transport.ipc_folder()
        km = ForkingKernelManager(
            kernel_name=spec.name,
            kernel_spec_manager=self._specs,
            **transport.ipc(self._ipc, f"k{self.launched}"),
        )
        wanted = max(self.launched + len(self._plan), self._foreseen)
        if self.fork and (self._templates is not None or wanted >= self.fork_after):
            if self._templates is None:
                self._templates = Templates(self._ipc or tempfile.gettempdir())
            km.templates = self._templates
        kernel = Kernel(spec, km, time.monotonic(), stderr)
        try:
            # nbclient passes the same history flag when it starts kernels: no sqlite file in $HOME
            transport.run(
                km.start_kernel(
                    cwd=spec.cwd,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                    extra_arguments=list(transport.HISTORY),
                )
            )
        except Exception as exc:  # noqa: BLE001 - NoSuchKernel, a bad kernelspec argv, a missing folder...
            kernel.error = exc
        else:
            kernel.process = transport.process_of(km)
        return kernel

    # ------------------------------------------------------------------ killing

    @staticmethod
    def kill(kernel: Kernel) -> None:
        """SIGKILL the kernel's process group (safe from any thread; no clean-up)."""
        transport.kill_group(kernel.process)

    def release(self, kernel: Kernel) -> None:
        """Kill a used kernel now; reap its process on a background thread."""
        if kernel.released:
            return
        kernel.released = True
        process = kernel.process
        self.kill(kernel)
        try:
            if kernel.error is None:
                kernel.km.shutting_down = True
                transport.run(kernel.km.cleanup_resources())
        except Exception:  # noqa: S110, BLE001 - cleanup is best effort: the process is already dead
            pass
        if process is not None:
            self._reap(process)
        if kernel.stderr is not None:
            kernel.stderr.close()

    def _reap(self, process: Any) -> None:
        if self._reaper is None:
            self._reaper = threading.Thread(
                target=self._reap_loop, name="nbgate-kernel-reaper", daemon=True
            )
            self._reaper.start()
        self._reaped.put(process)

    def _reap_loop(self) -> None:
        while True:
            process = self._reaped.get()
            if process is None:
                return
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    @property
    def forked(self) -> int:
        """How many of the kernels launched so far were forked from a template."""
        return 0 if self._templates is None else int(self._templates.forked)

    def close(self) -> None:
        """Kill the kernels that were started but never used, end the templates, wait for the reaper."""
        self._plan.clear()
        while self._ready:
            self.release(self._ready.pop())
        if self._templates is not None:
            self._templates.close()
            self._templates = None
        if self._reaper is not None:
            self._reaped.put(None)
            self._reaper.join(timeout=15)
            self._reaper = None
        if self._ipc is not None:
            shutil.rmtree(self._ipc, ignore_errors=True)
            self._ipc = None
