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
group and the reaper work unchanged. One template process and its protocol
live in ``nbgate.smoke.forktemplate``.
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner

from nbgate import fastpaths
from nbgate.smoke.forktemplate import LAUNCHERS, ForkedProcess, ForkUnavailable, Template

#: environment variables that change from kernel to kernel without changing what the imports do;
#: any other difference gets its own template (the kernel itself always gets its exact environment)
VOLATILE_ENV = frozenset({"PYTEST_CURRENT_TEST", "JPY_PARENT_PID", "JPY_SESSION_NAME"})
#: templates restarted per interpreter and environment after a notebook broke one; then kernels are spawned
RESTARTS = 3


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
