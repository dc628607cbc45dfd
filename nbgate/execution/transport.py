"""Kernel transport: the sockets a kernel listens on, its start-up handshake, and killing it.

Kernels talk ZeroMQ over Unix sockets in a private folder (POSIX), not TCP:
over TCP jupyter_client picks a port by binding and releasing it, so kernels
booting together (the smoke pool's kernels started ahead, xdist workers, a
scheduler's backfill of production runs) can race for a port ("Address
already in use"), and ipykernel 7 warns on every start that TCP is
unencrypted. Elsewhere: TCP, jupyter_client's default.

A kernel is killed with SIGKILL to its process group (jupyter_client starts
it in its own session, so what the notebook started dies with it).

jupyter_client, jupyter_core and traitlets are imported inside the functions:
the smoke pool imports this module, and the hooks must not load them.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from queue import Empty
from typing import Any

#: nbclient passes the same flag when it starts a kernel: no IPython history sqlite file in $HOME
HISTORY = ["--HistoryManager.hist_file=:memory:"]


def ipc_folder(prefix: str = "nbgate-") -> str | None:
    """A new private folder for kernels' Unix sockets, or ``None`` where there are none (Windows)."""
    return tempfile.mkdtemp(prefix=prefix) if os.name == "posix" else None


def ipc(folder: str | None, name: str) -> dict[str, str]:
    """``KernelManager`` traits that put one kernel's sockets at ``<folder>/<name>-<port>`` ({}: TCP)."""
    return {"transport": "ipc", "ip": os.path.join(folder, name)} if folder is not None else {}


@contextmanager
def private_ipc(prefix: str = "nbgate-run-") -> Iterator[dict[str, Any]]:
    """nbclient keywords for a kernel nbclient starts itself: Unix sockets in a folder removed afterwards."""
    folder = ipc_folder(prefix)
    if folder is None:
        yield {}
        return
    from traitlets.config import Config

    try:
        yield {"config": Config({"KernelManager": ipc(folder, "kernel")})}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def quiet_shutdown(kernel_name: str) -> list[str]:
    """Kernel arguments that keep an ipykernel quiet about the interrupt jupyter_client sends at shutdown.

    ``KernelManager.shutdown_kernel`` interrupts the kernel before asking it to
    stop; an idle ipykernel then logs ``[IPKernelApp] ERROR | KeyboardInterrupt
    caught in kernel.`` to stderr after a successful run. Errors of the
    notebook itself travel as outputs, not through this log. Other kernels
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


def run(coro: Any) -> Any:
    """Run a coroutine on the thread's event loop, the same one nbclient uses."""
    from jupyter_core.utils import ensure_event_loop

    return ensure_event_loop().run_until_complete(coro)


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
    from jupyter_core.utils import ensure_async

    deadline = time.monotonic() + timeout
    while True:
        msg_id = kc.kernel_info()
        reply = None
        wait_until = min(time.monotonic() + 1.0, deadline)
        while reply is None:
            try:
                msg = await ensure_async(
                    kc.shell_channel.get_msg(timeout=max(wait_until - time.monotonic(), 0))
                )
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


def process_of(km: Any) -> Any:
    """The kernel process (``Popen`` or a forked kernel's stand-in) of a started kernel manager."""
    return getattr(getattr(km, "provisioner", None), "process", None)


def alive(process: Any) -> bool:
    """Whether a kernel process still runs (an unknown process counts as running)."""
    return process is None or process.poll() is None


def kill_group(process: Any, wait: float | None = None) -> None:
    """SIGKILL a kernel's process group (what the notebook started goes too); optionally wait for it.

    Safe from any thread and on a kernel already dead (its orphans still go).
    """
    if process is None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)  # jupyter_client starts a kernel in its own session
    except (OSError, AttributeError):
        try:
            process.kill()
        except OSError:
            pass
    if wait is not None:
        try:
            process.wait(timeout=wait)
        except Exception:  # noqa: BLE001, S110 - it was SIGKILLed: the wait is a courtesy
            pass


def settle(*, cancel: bool = False, timeout: float = 1.0) -> None:
    """Let nbclient's leftover tasks on this thread's event loop finish (``cancel``: cancel them first).

    nbclient cancels its output-polling task when a cell times out but does
    not wait for it; left pending, it is reported at exit as "Task was
    destroyed but it is pending!". After an interruption its tasks are
    abandoned mid-way: they are cancelled, and their exceptions (a
    ``DeadKernelError``) retrieved, so no "Task exception was never
    retrieved" is printed at exit.
    """
    from jupyter_core.utils import ensure_event_loop

    loop = ensure_event_loop()
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    if not pending:
        return
    if cancel:
        for task in pending:
            task.cancel()
        try:
            loop.run_until_complete(asyncio.wait(pending, timeout=timeout))
        except BaseException:  # noqa: BLE001, S110 - a second signal: leave the rest to the exit
            pass
    else:
        loop.run_until_complete(asyncio.wait(pending, timeout=timeout))
    for task in pending:
        if task.done() and not task.cancelled():
            task.exception()  # marks it retrieved


@contextmanager
def kernels_killed_on_interrupt() -> Iterator[type]:
    """A kernel manager class that remembers its kernels; on Ctrl-C or SIGTERM they are SIGKILLed.

    For a kernel nbclient starts itself. An interruption reaches nbclient
    wherever it is, possibly while the kernel still boots: nothing would stop
    that kernel, which then either outlives the run or, once the private
    socket folder is gone, prints a ``ZMQError`` traceback on the terminal.
    Killing the kernels first (before the folder goes) and settling nbclient's
    abandoned tasks leaves the one-line message of ``nbgate.cli.main``.
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
            process = process_of(manager)
            if alive(process):
                kill_group(process, wait=10)
        settle(cancel=True, timeout=2)
        raise
