"""The kernel template process: imports ipykernel once, forks a fresh kernel per request.

This file is not imported by nbgate. ``nbgate.smoke.forktemplate`` runs it
with the kernel's own interpreter and options (``python -X... zygote.py
FD``), which may be another environment's, so it may only use the standard
library, and it must not start
a thread before forking (it checks). ``FD`` is one end of a ``SOCK_SEQPACKET``
socket pair; every message is one JSON object:

* template -> nbgate, once: ``{"ready": true, "threads": N}`` after the imports,
  or ``{"error": "..."}`` if they failed (nbgate then spawns kernels instead);
* nbgate -> template: ``{"argv": [...], "cwd": "...", "env": {...}}`` with the
  kernel's stdout and stderr file descriptors attached (``SCM_RIGHTS``);
  ``argv`` is what follows ``-m ipykernel_launcher`` in the kernel command;
* template -> nbgate: ``{"pid": N}`` for each request, and ``{"exit": N,
  "code": C}`` when a kernel ends (``C`` as ``Popen.returncode``: negative for
  a signal).

A forked child becomes the kernel exactly as ``python -m ipykernel_launcher``
would: new session, the request's folder, environment, argv and streams;
then ``ipykernel.kernelapp.launch_new_instance()`` runs at the top level, so
the interpreter exits the usual way. It has run no code of any notebook; what
it shares with its siblings is the imported modules (as a fresh kernel would
import them) and the hash seed. When nbgate closes its end (or dies), the
template SIGKILLs the kernels it started and exits.
"""

from __future__ import annotations

import os
import sys

if (
    __name__ == "__main__"
    and sys.path
    and sys.path[0] in ("", os.path.dirname(os.path.abspath(__file__)))
):
    del sys.path[0]  # like ipykernel_launcher: nothing beside this file may shadow a module

import array
import json
import select
import signal
import socket
from typing import Any

#: what else a kernel imports on its way to ready (debugpy is left out: it keeps process state from import)
PRELOAD = (
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "IPython.core.completerlib",
    "tornado.queues",
    "tornado.platform.asyncio",
)


def send(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.send(json.dumps(message).encode("utf-8"))


def receive(sock: socket.socket) -> tuple[dict[str, Any] | None, list[int]]:
    """One request and the file descriptors sent with it; (None, []) at end of file."""
    fds = array.array("i")
    data, ancillary, _flags, _addr = sock.recvmsg(1 << 20, socket.CMSG_SPACE(4 * fds.itemsize))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    return (json.loads(data.decode("utf-8")) if data else None), list(fds)


def reap(sock: socket.socket, children: set[int]) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        try:
            send(sock, {"exit": pid, "code": code})
        except OSError:
            pass


def serve(sock: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """Answer requests until end of file; returns only in a forked child, with its request."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    children: set[int] = set()
    while True:
        readable, _, _ = select.select([sock.fileno(), wake_r], [], [])
        if wake_r in readable:
            try:
                while os.read(wake_r, 512):
                    pass
            except BlockingIOError:
                pass
        reap(sock, children)
        if sock.fileno() not in readable:
            continue
        try:
            request, fds = receive(sock)
        except OSError:
            request, fds = None, []
        if request is None:
            for pid in children:
                for kill in (
                    os.killpg,
                    os.kill,
                ):  # its group; and itself, should it not have called setsid yet
                    try:
                        kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
            os._exit(0)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.close(wake_r)
            os.close(wake_w)
            sock.close()
            return request, fds
        children.add(pid)
        for fd in fds:
            os.close(fd)
        send(sock, {"pid": pid})


def become(request: dict[str, Any], fds: list[int]) -> None:
    """Turn this forked child into the kernel ``request`` asks for."""
    os.setsid()
    stdout, stderr = fds
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(stdout, 1)
    os.dup2(stderr, 2)
    for fd in {devnull, stdout, stderr} - {0, 1, 2}:
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ["JPY_PARENT_PID"] = str(os.getppid())  # the kernel exits if this template dies
    import importlib.util

    spec = importlib.util.find_spec(request.get("module", "ipykernel_launcher"))
    sys.argv = [spec.origin if spec and spec.origin else "ipykernel_launcher", *request["argv"]]


def main() -> None:
    sock = socket.socket(fileno=int(sys.argv[1]))
    del sys.argv[1:]
    # ipykernel reads JPY_PARENT_PID when it is imported (the default of IPKernelApp.parent_handle):
    # set it to this process, which every kernel's ``become`` also names as its parent, so a kernel
    # exits when this template dies, as a spawned one does when nbgate dies
    os.environ["JPY_PARENT_PID"] = str(os.getpid())
    try:
        import importlib
        import threading

        importlib.import_module("ipykernel.kernelapp")  # required: it is what a kernel runs
        for name in PRELOAD:
            try:
                importlib.import_module(name)
            except (
                ImportError
            ):  # another ipykernel/tornado version: the kernel imports what it needs
                pass
        threads = threading.active_count()
    except BaseException as exc:  # noqa: BLE001  # a kernel python without ipykernel, a broken install...
        send(sock, {"error": f"{type(exc).__name__}: {exc}"})
        return
    send(sock, {"ready": True, "threads": threads})
    if threads != 1:
        return  # forking a threaded process is unsafe; nbgate spawns kernels instead
    request, fds = serve(sock)
    become(request, fds)
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
