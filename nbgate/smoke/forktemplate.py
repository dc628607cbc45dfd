"""One kernel template process (``zygote.py``) and the kernels it forks, for ``forkserver``.

:class:`Template` starts ``nbgate/smoke/zygote.py`` with one interpreter,
option set and environment, and speaks its protocol over a Unix socket pair:
a fork request (argv, folder, environment, the kernel's stdout/stderr file
descriptors) is answered with the child's pid, and each child's exit is
reported when it ends. :class:`ForkedProcess` shows such a child through
``subprocess.Popen``'s interface. ``nbgate.smoke.forkserver`` decides when to
use them (the ``Templates`` of a pool and the kernel manager). Imports no
jupyter_client.
"""

from __future__ import annotations

import array
import json
import os
import queue
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import IO, Any

#: the ``-m`` modules that start an ipykernel kernel, and the module ``sys.argv[0]`` names for each
LAUNCHERS = {"ipykernel_launcher": "ipykernel_launcher", "ipykernel": "ipykernel.__main__"}
REPLY_TIMEOUT = 30.0
#: how often a pending request checks that its template is still running and not stopped
POLL = 0.2


class ForkUnavailable(Exception):
    """This kernel command cannot be forked; spawn it instead."""


class ForkedProcess:
    """A forked kernel seen through ``subprocess.Popen``'s interface."""

    stdin = stdout = stderr = None

    def __init__(self, template: Template, pid: int) -> None:
        self.template = template
        self.pid = pid
        self.args = f"forked kernel {pid}"

    @property
    def returncode(self) -> int | None:
        return self.template.exit_code(self.pid)

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        code = self.template.wait_exit(self.pid, timeout)
        if code is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return code

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class Template:
    """One template process (``zygote.py``) for one interpreter, option set and environment."""

    def __init__(self, prefix: list[str], env: dict[str, str], cwd: str) -> None:
        self._sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._stderr: IO[bytes] = open(os.devnull, "wb")  # noqa: SIM115  # its own output is not needed
        try:
            self.process = subprocess.Popen(
                [*prefix, str(Path(__file__).with_name("zygote.py")), str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
                start_new_session=True,
            )
        except OSError as exc:
            self._sock.close()
            raise ForkUnavailable(f"cannot start {prefix[0]}: {exc}") from None
        finally:
            theirs.close()
        self._replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._exits: dict[int, int] = {}
        self._changed = threading.Condition()
        self._send_lock = threading.Lock()
        self.closed = False
        self._ended = False
        #: None while the template imports (kernels are spawned meanwhile), then True or why it failed
        self.state: bool | str | None = None
        self._reader = threading.Thread(
            target=self._read, name="nbgate-kernel-template", daemon=True
        )
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = self._sock.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                with self._changed:
                    self.closed = True
                    if self.state is None:
                        self.state = "kernel template did not start: it exited"
                    self._changed.notify_all()
                self._replies.put(None)
                return
            message = json.loads(data)
            if self.state is None:
                why = message.get("error") or (
                    message.get("threads") != 1
                    and f"{message.get('threads')} threads after importing ipykernel"
                )
                with self._changed:
                    self.state = f"kernel template did not start: {why}" if why else True
                    self._changed.notify_all()
            elif "exit" in message:
                with self._changed:
                    self._exits[int(message["exit"])] = int(message["code"])
                    self._changed.notify_all()
            else:
                self._replies.put(message)

    def _reply(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while (
            True
        ):  # a template a notebook stopped or killed is noticed within POLL, not after timeout
            try:
                message = self._replies.get(timeout=min(POLL, max(deadline - time.monotonic(), 0)))
            except queue.Empty:
                why = self.broken()
                if why:
                    return {"error": why}
                if time.monotonic() >= deadline:
                    return {"error": f"no answer in {timeout:g} s"}
                continue
            return message if message is not None else {"error": "the template process exited"}

    def broken(self) -> str | None:
        """Why this template can fork no more (exited, killed or stopped by a notebook), else None."""
        if self.closed or self.process.poll() is not None:
            return "the template process exited"
        try:
            with open(f"/proc/{self.process.pid}/stat", encoding="ascii", errors="replace") as stat:
                state = stat.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return None  # no /proc: only an exit is seen
        return "the template process was stopped" if state in ("T", "t") else None

    def abandon(self) -> None:
        """Kill a broken template without waiting for it (a stopped one never ends by itself).

        Its kernels notice their parent is gone and exit (ipykernel's parent
        poller), so the pool also relaunches the ones it had started ahead.
        """
        try:
            self.process.kill()
        except OSError:
            pass
        self.close()

    def fork(  # noqa: PLR0917 - private helper or library override, arguments in order
        self, module: str, argv: list[str], cwd: str, env: dict[str, str], stdout: int, stderr: int
    ) -> int:
        """Ask for a kernel; its pid. ``ForkUnavailable`` if the template is not ready, ``OSError`` if gone."""
        if self.state is not True:
            raise ForkUnavailable(self.state or "kernel template still starting")
        request = json.dumps(
            {"argv": argv, "cwd": cwd, "env": env, "module": LAUNCHERS[module]}
        ).encode()
        with self._send_lock:
            fds = array.array("i", [stdout, stderr]).tobytes()
            self._sock.sendmsg([request], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
            reply = self._reply(REPLY_TIMEOUT)
        if "pid" not in reply:
            self.state = (
                f"kernel template: {reply.get('error', reply)}"  # out of step: fork no more
            )
            raise OSError(self.state)
        pid = int(reply["pid"])
        with self._changed:
            self._exits.pop(
                pid, None
            )  # an earlier kernel that had this pid (reported before this reply)
        return pid

    def wait_ready(self, timeout: float) -> bool:
        """Wait until the template has done its imports (or failed); whether it can fork."""
        with self._changed:
            self._changed.wait_for(lambda: self.state is not None, timeout)
        return self.state is True

    def exit_code(self, pid: int) -> int | None:
        with self._changed:
            code = self._exits.get(pid)
            if code is None and self.closed:
                return -signal.SIGKILL  # the template killed its kernels on the way out
            return code

    def wait_exit(self, pid: int, timeout: float | None) -> int | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while pid not in self._exits and not self.closed:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return None
                self._changed.wait(left)
        return self.exit_code(pid)

    def close(self) -> None:
        """End the template: it SIGKILLs the kernels it forked and exits."""
        if self._ended:
            return
        self._ended = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        if self.broken():  # stopped: it would never read the end of file
            self.process.kill()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._stderr.close()
        self._reader.join(timeout=10)
