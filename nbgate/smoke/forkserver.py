"""Fresh kernels forked from a template process instead of started from scratch.

A kernel process spends about 0.4 s of CPU importing IPython, ipykernel,
zmq and tornado before it can run a cell; on a 2-core machine that import is
most of the cost of smoke-running a small notebook. ``smoke.kernel_start =
"fork"`` (the default on Linux) starts one template process per kernel
command (``nbgate/smoke/zygote.py``, run by the kernel's own interpreter with
its own options) that does those imports once and then forks a child per
notebook. Each child is a new process that becomes the kernel the usual way
(``ipykernel.kernelapp.launch_new_instance()`` in the notebook's folder,
with the kernel's environment and argv) and has run no code of any notebook;
it is used for one notebook and killed, like a spawned kernel.

Only plain ipykernel commands are forked (``python [options] -m
ipykernel_launcher ...`` or ``-m ipykernel``); any other kernelspec, or a
template that cannot start (no ipykernel in that interpreter, a thread
started during its imports), falls back to spawning, and the pool reports
which one it used. With the ``forked-kernels`` fast path off
(``nbgate.fastpaths``) every kernel is spawned by jupyter_client.

:class:`ForkingKernelManager` is jupyter_client's ``AsyncKernelManager``
with the launch step replaced: the provisioner gets a :class:`ForkedProcess`
(``Popen``'s interface, fed by the template's exit reports) instead of a
``Popen``, so nbclient's liveness checks, the pool's SIGKILL of the process
group and the reaper work unchanged.
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

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner

from nbgate import fastpaths

#: the ``-m`` modules that start an ipykernel kernel, and the module ``sys.argv[0]`` names for each
LAUNCHERS = {"ipykernel_launcher": "ipykernel_launcher", "ipykernel": "ipykernel.__main__"}
#: environment variables that change from kernel to kernel without changing what the imports do;
#: any other difference gets its own template (the kernel itself always gets its exact environment)
VOLATILE_ENV = frozenset({"PYTEST_CURRENT_TEST", "JPY_PARENT_PID", "JPY_SESSION_NAME"})
REPLY_TIMEOUT = 30.0
#: how often a pending request checks that its template is still running and not stopped
POLL = 0.2
#: templates restarted per interpreter and environment after a notebook broke one; then kernels are spawned
RESTARTS = 3


class ForkUnavailable(Exception):
    """This kernel command cannot be forked; spawn it instead."""


def split_command(cmd: list[str]) -> tuple[list[str], str, list[str]]:
    """``(interpreter and options, launcher module, kernel arguments)`` of an ipykernel command.

    Raises ``ForkUnavailable`` for anything else (another language, a wrapper
    script, ``-c`` code).
    """
    for index in range(1, len(cmd) - 1):
        if cmd[index] == "-m":
            if cmd[index + 1] not in LAUNCHERS:
                break
            prefix = cmd[:index]
            if any(not arg.startswith("-") or arg.startswith(("-c", "-m")) for arg in prefix[1:]):
                break
            return prefix, cmd[index + 1], cmd[index + 2 :]
    raise ForkUnavailable(f"not an ipykernel command: {' '.join(cmd[:4])}")


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


class Templates:
    """The template processes of one pool, made on first use, one per interpreter and environment."""

    def __init__(self, cwd: str) -> None:
        self.cwd = cwd
        self._templates: dict[tuple[Any, ...], Template | ForkUnavailable] = {}
        self.forked = 0
        self.restarts: dict[tuple[Any, ...], int] = {}

    def launch(self, cmd: list[str], kw: dict[str, Any]) -> ForkedProcess:
        """Fork the kernel ``cmd`` (with ``Popen`` keywords ``kw``); ``ForkUnavailable`` if it can't be."""
        prefix, module, argv = split_command(
            [os.path.expanduser(arg) for arg in cmd]
        )  # as launch_kernel does
        cwd = str(kw.get("cwd") or os.getcwd())
        if not os.path.isdir(cwd):
            raise ForkUnavailable(f"no folder {cwd}")  # spawning reports it as Popen does
        env = dict(kw.get("env") or os.environ)
        template_env = {k: v for k, v in env.items() if k not in VOLATILE_ENV}
        key = (tuple(prefix), tuple(sorted(template_env.items())))
        template = self._templates.get(key)
        if template is None:
            template = self._templates[key] = self._new_template(prefix, template_env)
        if isinstance(template, ForkUnavailable):
            raise template
        if template.state is True and template.broken():
            template = self._restart(
                key, template, prefix, template_env
            )  # then spawn while it imports
        if template.state is None:
            raise ForkUnavailable(
                "kernel template still starting"
            )  # spawn this one rather than wait
        with _Streams(kw.get("stdout"), kw.get("stderr")) as (stdout, stderr):
            try:
                pid = template.fork(module, argv, cwd, env, stdout, stderr)
            except OSError as exc:  # the template died or was stopped while it answered
                if template.broken():
                    self._restart(key, template, prefix, template_env)
                    raise ForkUnavailable(str(exc)) from None
                template.abandon()  # out of step for another reason: spawn from now on
                failed = self._templates[key] = ForkUnavailable(str(exc))
                raise failed from None
        self.forked += 1
        return ForkedProcess(template, pid)

    def _new_template(self, prefix: list[str], env: dict[str, str]) -> Template | ForkUnavailable:
        """A template process, or why none can be started (kept, so kernels are spawned instead)."""
        try:
            return Template(prefix, env, self.cwd)
        except ForkUnavailable as exc:
            return exc

    def _restart(
        self, key: tuple[Any, ...], template: Template, prefix: list[str], env: dict[str, str]
    ) -> Template:
        """Replace a template a notebook broke (killed or stopped): a new one, or spawning for good."""
        template.abandon()
        self.restarts[key] = self.restarts.get(key, 0) + 1
        if self.restarts[key] > RESTARTS:
            replacement: Template | ForkUnavailable = ForkUnavailable(
                f"kernel template broken {self.restarts[key]} times: spawning kernels from now on"
            )
        else:
            replacement = self._new_template(prefix, env)
        self._templates[key] = replacement
        if isinstance(replacement, ForkUnavailable):
            raise replacement
        return replacement

    def broken(self, process: Any) -> bool:
        """Whether ``process`` was forked from a template that is now dead or stopped (it will not live).

        The broken template is abandoned (killed) here, so its other kernels end too.
        """
        if not isinstance(process, ForkedProcess):
            return False
        template = process.template
        if template.broken():
            template.abandon()
            return True
        return template.closed

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Wait for every template to finish its imports; whether all of them can fork."""
        return all(
            isinstance(t, Template) and t.wait_ready(timeout) for t in self._templates.values()
        )

    def close(self) -> None:
        for template in self._templates.values():
            if isinstance(template, Template):
                template.close()
        self._templates.clear()


class _Streams:
    """The stdout/stderr file descriptors to hand a kernel (``Popen``'s ``DEVNULL``, a file, or inherit)."""

    def __init__(self, *streams: Any) -> None:
        self.streams = streams
        self._opened: list[int] = []

    def __enter__(self) -> tuple[int, int]:
        fds = []
        for index, stream in enumerate(self.streams, start=1):
            if stream is None:
                fds.append(index)  # inherit ours, like Popen
            elif stream == subprocess.DEVNULL:
                fd = os.open(os.devnull, os.O_WRONLY)
                self._opened.append(fd)
                fds.append(fd)
            elif isinstance(stream, int):
                fds.append(stream)
            else:
                fds.append(stream.fileno())
        return fds[0], fds[1]

    def __exit__(self, *exc: object) -> None:
        for fd in self._opened:
            os.close(fd)


class ForkingKernelManager(AsyncKernelManager):
    """``AsyncKernelManager`` whose launch forks from a template when it can (``templates``)."""

    templates: Templates | None = None

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        templates = self.templates
        if not fastpaths.enabled(
            "forked-kernels"
        ):  # nbgate.fastpaths' switch: jupyter_client's own launch
            templates = None
        if (
            templates is None or type(self.provisioner) is not LocalProvisioner
        ):  # a subclass may launch otherwise
            await super()._async_launch_kernel(kernel_cmd, **kw)
            return
        try:
            process = templates.launch(kernel_cmd, kw)
        except ForkUnavailable:
            await super()._async_launch_kernel(kernel_cmd, **kw)
            return
        provisioner: Any = self.provisioner
        provisioner.process = process
        provisioner.pid = process.pid
        provisioner.pgid = process.pid  # the child started its own session
        provisioner.cwd = kw.get("cwd", os.getcwd())
        self._reconcile_connection_info(provisioner.connection_info)
