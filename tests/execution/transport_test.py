"""Kernel transport helpers with real processes, folders and kernelspecs."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nbgate.execution import transport


def test_ipc_addresses_and_the_private_folder() -> None:
    assert transport.ipc(None, "k1") == {}
    assert transport.ipc("/tmp/x", "k1") == {"transport": "ipc", "ip": "/tmp/x/k1"}
    if os.name != "posix":
        pytest.skip("Unix sockets only on POSIX")
    with transport.private_ipc() as kwargs:
        trait = kwargs["config"]["KernelManager"]
        assert trait["transport"] == "ipc"
        folder = Path(trait["ip"]).parent
        assert folder.is_dir() and folder.name.startswith("nbgate-run-")
    assert not folder.exists()


def test_quiet_shutdown_only_for_ipykernel() -> None:
    assert transport.quiet_shutdown("python3") == ["--IPKernelApp.log_level=CRITICAL"]
    assert transport.quiet_shutdown("no-such-kernel") == []


def _gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "\nState:\tZ" in status  # a zombie waiting for init: dead


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_group_takes_what_the_kernel_started_with_it() -> None:
    script = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, start_new_session=True
    )  # as jupyter_client starts a kernel
    assert process.stdout is not None
    child = int(process.stdout.readline())
    assert transport.alive(process)
    transport.kill_group(process, wait=30)
    assert not transport.alive(process) and process.returncode == -9
    until = time.monotonic() + 30
    while not _gone(child) and time.monotonic() < until:
        time.sleep(0.05)
    assert _gone(child)
    transport.kill_group(process, wait=1)  # already dead: no error
    transport.kill_group(None)
    assert transport.alive(None)  # an unknown process counts as running
    process.stdout.close()


def test_settle_finishes_or_cancels_leftover_tasks() -> None:
    from jupyter_core.utils import ensure_event_loop

    loop = ensure_event_loop()

    async def short() -> str:
        await asyncio.sleep(0.01)
        return "done"

    async def long() -> None:
        await asyncio.sleep(3600)

    async def fails() -> None:
        await asyncio.sleep(0)
        raise RuntimeError("abandoned")

    finished = loop.create_task(short())
    transport.settle()
    assert finished.result() == "done"
    hanging, failing = loop.create_task(long()), loop.create_task(fails())
    started = time.monotonic()
    transport.settle(cancel=True, timeout=5)
    assert hanging.cancelled() and time.monotonic() - started < 5
    assert failing.done()
