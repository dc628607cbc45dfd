"""Kernels forked from a template process: each one fresh, exact, killable; and every fallback to spawning."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nbgate import config as config_module
from nbgate.smoke.forkserver import Templates, split_command
from nbgate.smoke.forktemplate import ForkUnavailable, Template
from nbgate.smoke.pool import Kernel, KernelPool, KernelSpec
from nbgate.smoke.session import SmokeSession
from testing.notebooks import code, make
from testing.smoke_project import project

pytestmark = [
    pytest.mark.skipif(
        not sys.platform.startswith("linux"), reason="kernels are forked on Linux only"
    ),
    pytest.mark.usefixtures("fast_paths_on"),
]  # tests of the forked-kernels fast path itself


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[KernelPool]:
    """A pool whose template has finished its imports, so the kernels it hands out are forked."""
    monkeypatch.setenv(
        "NBGATE_TEST_MARK", "fixture"
    )  # a template per environment: set it before warming
    pool = KernelPool(0, "fork", fork_after=0)
    warm = pool.acquire(
        KernelSpec("python3", os.getcwd())
    )  # spawned: the template starts meanwhile
    assert pool._templates.wait_ready(60)
    pool.release(warm)
    try:
        yield pool
    finally:
        pool.close()


def run(kernel: Kernel, source: str) -> str:
    """Execute ``source`` on ``kernel``; its stdout (an error's name and value if it raises)."""
    from jupyter_client.blocking.client import BlockingKernelClient

    client = BlockingKernelClient()
    client.load_connection_info(kernel.km.get_connection_info())
    client.start_channels(
        hb=False
    )  # a heartbeat missed under load is not a dead kernel; the 60 s limits still hold
    out: list[str] = []

    def hook(msg: dict[str, Any]) -> None:
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            out.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")

    try:
        client.wait_for_ready(timeout=60)
        client.execute_interactive(source, timeout=60, output_hook=hook)
    finally:
        client.stop_channels()
    return "".join(out)


def test_forked_kernel_is_a_new_process_with_the_launch_it_asked_for(
    pool: KernelPool, tmp_path: Path
) -> None:
    kernel = pool.acquire(KernelSpec("python3", str(tmp_path)))
    try:
        assert pool.forked == 1 and type(kernel.process).__name__ == "ForkedProcess"
        report = json.loads(
            run(
                kernel,
                (
                    "import json, os, sys\n"
                    "print(json.dumps({'pid': os.getpid(), 'ppid': os.getppid(), 'sid': os.getsid(0), 'cwd': os.getcwd(),\n"  # noqa: E501 - test data kept on one line
                    "  'mark': os.environ.get('NBGATE_TEST_MARK'), 'test': os.environ.get('PYTEST_CURRENT_TEST'), 'argv0': sys.argv[0], 'path': sys.path,\n"  # noqa: E501 - test data kept on one line
                    "  'names': sorted(n for n in dir() if not n.startswith('_')), 'main': __name__,\n"
                    "  'parent': os.environ['JPY_PARENT_PID']}))"
                ),
            )
        )
    finally:
        pool.release(kernel)
    assert (
        report["pid"] == kernel.process.pid == report["sid"]
    )  # its own session, like a spawned kernel
    assert (
        report["ppid"] == int(report["parent"]) != os.getpid()
    )  # the template; the kernel exits if it dies
    assert report["cwd"] == str(tmp_path)
    assert report["mark"] == "fixture"
    assert (
        report["test"] == os.environ["PYTEST_CURRENT_TEST"]
    )  # not part of the template's key, still exact
    assert report["argv0"].endswith("ipykernel_launcher.py")
    assert (
        "" in report["path"] or str(tmp_path) in report["path"]
    )  # the notebook's folder is importable
    # nothing of the template's code leaks into the user namespace
    assert report["main"] == "__main__"
    assert not {"become", "serve", "receive", "PRELOAD", "sock"} & set(report["names"])


def test_each_forked_kernel_is_fresh(pool: KernelPool, tmp_path: Path) -> None:
    spec = KernelSpec("python3", str(tmp_path))
    first, second = pool.acquire(spec), pool.acquire(spec)
    try:
        assert pool.forked == 2
        one = run(first, "import os, random\nleft_behind = 1\nprint(os.getpid(), random.random())")
        two = run(second, "import os, random\nprint(os.getpid(), random.random())")
        leak = run(second, "print(left_behind)")
    finally:
        pool.release(first)
        pool.release(second)
    (pid1, rand1), (pid2, rand2) = one.split(), two.split()
    assert pid1 != pid2
    assert rand1 != rand2  # the random module is reseeded in every fork
    assert leak == "NameError: name 'left_behind' is not defined"


def test_another_environment_gets_its_own_template(
    pool: KernelPool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the imports saw must be what the kernel would have seen: a changed environment is a new template."""
    spec = KernelSpec("python3", str(tmp_path))
    monkeypatch.setenv("NBGATE_TEST_MARK", "changed")
    spawned = pool.acquire(spec)  # the new template is still importing: spawned, never a stale fork
    assert pool.forked == 0
    assert pool._templates.wait_ready(60)
    forked = pool.acquire(spec)
    try:
        assert pool.forked == 1 and len(pool._templates._templates) == 2
        assert run(spawned, "import os\nprint(os.environ['NBGATE_TEST_MARK'])").strip() == "changed"
        assert run(forked, "import os\nprint(os.environ['NBGATE_TEST_MARK'])").strip() == "changed"
    finally:
        pool.release(spawned)
        pool.release(forked)


def test_forked_kernel_runs_subprocesses_and_its_stderr_is_kept(
    pool: KernelPool, tmp_path: Path
) -> None:
    kernel = pool.acquire(KernelSpec("python3", str(tmp_path)))
    try:
        # SIGCHLD is back to its default in the kernel, so a child's exit status is real
        out = run(
            kernel,
            "import os, subprocess, sys\n"
            "print(subprocess.run([sys.executable, '-c', 'raise SystemExit(3)']).returncode)\n"
            "os.write(2, b'written to fd 2 by the kernel\\n')",
        )
        assert out.strip() == "3"
        assert "written to fd 2 by the kernel" in kernel.stderr_tail()
    finally:
        pool.release(kernel)


def test_a_killed_forked_kernel_is_seen_dead_with_its_signal(
    pool: KernelPool, tmp_path: Path
) -> None:
    kernel = pool.acquire(KernelSpec("python3", str(tmp_path)))
    try:
        assert run(kernel, "print(1)").strip() == "1"
        assert kernel.process.poll() is None
        os.kill(kernel.process.pid, signal.SIGKILL)
        assert kernel.process.wait(timeout=10) == -signal.SIGKILL
        assert kernel.process.poll() == -signal.SIGKILL
    finally:
        pool.release(kernel)


def test_closing_the_pool_ends_the_template_and_its_kernels(tmp_path: Path) -> None:
    pool = KernelPool(0, "fork", fork_after=0)
    pool.release(pool.acquire(KernelSpec("python3", str(tmp_path))))
    assert pool._templates.wait_ready(60)
    kernel = pool.acquire(KernelSpec("python3", str(tmp_path)))
    template = next(iter(pool._templates._templates.values()))
    assert isinstance(template, Template) and pool.forked == 1
    pool.close()
    assert template.process.poll() is not None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _running(kernel.process.pid):
        time.sleep(0.05)
    assert not _running(kernel.process.pid), "the forked kernel outlived its template"


def test_a_short_run_spawns_its_kernels_and_a_longer_one_starts_a_template(tmp_path: Path) -> None:
    pool = KernelPool(1, "fork")  # FORK_AFTER is 4
    specs = [KernelSpec("python3", str(tmp_path)) for _ in range(6)]
    try:
        pool.expect(specs[:2])
        pool.release(pool.acquire(specs[0]))
        assert pool.launched == 2 and pool._templates is None  # two notebooks: not worth a template
        pool.expect(specs[2:])
        pool.release(pool.acquire(specs[1]))  # the next launch sees four more planned
        assert pool.launched == 3 and pool._templates is not None
    finally:
        pool.close()


def test_a_forked_kernel_exits_when_its_template_is_killed(
    pool: KernelPool, tmp_path: Path
) -> None:
    """ipykernel's parent poller watches the template (JPY_PARENT_PID is read when ipykernel is imported)."""
    kernel = pool.acquire(KernelSpec("python3", str(tmp_path)))
    try:
        assert run(kernel, "print(3)").strip() == "3"  # booted: its parent poller is running
        template = next(iter(pool._templates._templates.values()))
        os.kill(template.process.pid, signal.SIGKILL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _running(kernel.process.pid):
            time.sleep(0.1)
        assert not _running(kernel.process.pid), "the kernel outlived its template"
    finally:
        pool.release(kernel)


def _running(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_an_xdist_workers_share_decides_at_its_first_launch(tmp_path: Path) -> None:
    """A worker plans one item ahead; its share of the notebooks says whether a template pays off."""
    few, many = KernelPool(1, "fork"), KernelPool(1, "fork")
    try:
        few.foresee(3)
        many.foresee(10)
        for pool in (few, many):
            pool.expect([KernelSpec("python3", str(tmp_path))])
        assert few._templates is None
        assert many._templates is not None  # started with the first kernel
    finally:
        few.close()
        many.close()


def test_a_missing_folder_fails_the_launch_as_a_spawn_does(
    pool: KernelPool, tmp_path: Path
) -> None:
    kernel = pool.acquire(KernelSpec("python3", str(tmp_path / "gone")))
    try:
        assert pool.forked == 0
        assert isinstance(kernel.error, FileNotFoundError)
    finally:
        pool.release(kernel)


def test_spawn_setting_never_forks(tmp_path: Path) -> None:
    pool = KernelPool(0, "spawn", fork_after=0)
    try:
        kernel = pool.acquire(KernelSpec("python3", str(tmp_path)))
        assert run(kernel, "print(2)").strip() == "2"
        pool.release(kernel)
        assert pool.forked == 0 and pool._templates is None
    finally:
        pool.close()


def test_a_template_that_cannot_import_ipykernel_says_why() -> None:
    template = Template(
        [sys.executable, "-S", "-I"], {"PATH": os.environ.get("PATH", "")}, os.getcwd()
    )
    try:
        assert not template.wait_ready(60)
        assert "ModuleNotFoundError" in str(template.state)
        with pytest.raises(ForkUnavailable):
            template.fork("ipykernel_launcher", [], os.getcwd(), {}, 1, 2)
    finally:
        template.close()


def test_a_kernel_started_while_the_template_imports_is_spawned(tmp_path: Path) -> None:
    templates = Templates(str(tmp_path))
    cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", str(tmp_path / "c.json")]
    try:
        with pytest.raises(ForkUnavailable, match="still starting"):
            templates.launch(cmd, {"env": dict(os.environ), "cwd": str(tmp_path)})
        assert templates.wait_ready(60)
    finally:
        templates.close()


@pytest.mark.parametrize(
    ("cmd", "expected"),
    [
        (
            ["/py", "-m", "ipykernel_launcher", "-f", "c.json"],
            (["/py"], "ipykernel_launcher", ["-f", "c.json"]),
        ),
        (
            ["/py", "-Xfrozen_modules=off", "-m", "ipykernel", "-f", "c"],
            (["/py", "-Xfrozen_modules=off"], "ipykernel", ["-f", "c"]),
        ),
    ],
)
def test_split_command_accepts_ipykernel_launches(
    cmd: list[str], expected: tuple[Any, ...]
) -> None:
    assert split_command(cmd) == expected


@pytest.mark.parametrize(
    "cmd",
    [
        ["/py", "-m", "other_kernel", "-f", "c.json"],  # another kernel module
        ["/py", "-c", "code", "-m", "ipykernel_launcher"],  # -c code before it
        ["/py", "script.py", "-m", "ipykernel_launcher"],  # a script
        ["/usr/bin/env", "python", "-m", "ipykernel_launcher"],  # a wrapper
        ["R", "--slave", "-e", "IRkernel::main()"],
    ],
)
def test_split_command_refuses_everything_else(cmd: list[str]) -> None:
    with pytest.raises(ForkUnavailable):
        split_command(cmd)


def test_a_kernelspec_that_is_not_ipykernel_is_spawned_and_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrapper kernelspec (here ``python -c 'runpy ...'``) cannot be forked: the notebook still runs."""
    spec_dir = tmp_path / "jupyter" / "kernels" / "wrapped"
    spec_dir.mkdir(parents=True)
    launcher = "import runpy, sys; sys.argv[0] = 'wrapped'; runpy.run_module('ipykernel_launcher', run_name='__main__')"
    (spec_dir / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-c", launcher, "-f", "{connection_file}"],
                "display_name": "wrapped",
                "language": "python",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    project(tmp_path, {}, smoke={"kernel": "wrapped"})
    (tmp_path / "w.ipynb").write_text(json.dumps(make([code("import sys\nprint(sys.argv[0])")])))
    session = SmokeSession(config_module.load(tmp_path, env={}))
    try:
        result = session.run(session.prepare(tmp_path / "w.ipynb"))
        forked = session.pool.forked
    finally:
        session.close()
    assert result.outcome == "passed", result.report
    assert forked == 0


def test_kernel_start_must_be_fork_or_spawn(tmp_path: Path) -> None:
    project(tmp_path, {}, smoke={"kernel_start": "vfork"})
    with pytest.raises(
        Exception, match=r"smoke.kernel_start = 'vfork': expected 'fork' or 'spawn'"
    ):
        SmokeSession(config_module.load(tmp_path, env={}))


def test_every_outcome_is_judged_the_same_on_forked_kernels(tmp_path: Path) -> None:
    """Pass, cell error, a kernel killed mid-cell and a cell timeout, each on a forked kernel."""
    notebooks = {
        "ok.ipynb": make([code("print('fine')")]),
        "err.ipynb": make([code("1 / 0")]),
        "dies.ipynb": make([code("print('before')"), code("import os\nos.kill(os.getpid(), 9)")]),
        "slow.ipynb": make([code("import time\ntime.sleep(60)")]),
    }
    project(tmp_path, notebooks, smoke={"cell_timeout": 2})
    session = SmokeSession(config_module.load(tmp_path, env={}))
    session.pool.fork_after = 0
    try:
        warm = session._call(session.pool.acquire, KernelSpec("python3", str(tmp_path)))
        session._call(session.pool.release, warm)
        assert session.pool._templates.wait_ready(60)
        results = {name: session.run(session.prepare(tmp_path / name)) for name in notebooks}
        forked = session.pool.forked
    finally:
        session.close()
    assert forked == len(notebooks)
    assert {name: r.outcome for name, r in results.items()} == {
        "ok.ipynb": "passed",
        "err.ipynb": "failed",
        "dies.ipynb": "dead-kernel",
        "slow.ipynb": "timeout",
    }
    assert "ZeroDivisionError" in results["err.ipynb"].report
    assert "cell 2: the kernel died while the cell was running" in results["dies.ipynb"].report
    assert "cell timed out after 2 s" in results["slow.ipynb"].report


#: what a hostile or careless notebook does to the process that forked its kernel (only if that is a template)
HIT_TEMPLATE = (
    "import os, signal\n"
    "parent = os.getppid()\n"
    "with open(f'/proc/{parent}/cmdline', 'rb') as f:\n"
    "    forked = b'zygote.py' in f.read()\n"
    "if forked:\n"
    "    os.kill(parent, signal.SIGNAME)\n"
    "print('hit' if forked else 'spawned', parent)"
)


@pytest.mark.parametrize("signame", ["SIGKILL", "SIGSTOP"])
def test_a_notebook_that_breaks_the_template_fails_no_other_notebook(
    tmp_path: Path, signame: str
) -> None:
    """Issue 18.13: the kernels started ahead from a killed or stopped template are started again."""
    notebooks = {
        "a_hit.ipynb": make([code(HIT_TEMPLATE.replace("SIGNAME", signame))]),
        **{f"b{i}.ipynb": make([code(f"print({i})")]) for i in range(3)},
        "c_hit.ipynb": make([code(HIT_TEMPLATE.replace("SIGNAME", signame))]),
        "d.ipynb": make([code("print('last')")]),
    }
    project(tmp_path, notebooks)
    session = SmokeSession(config_module.load(tmp_path, env={}), pool_size=2)
    session.pool.fork_after = 0
    templates: list[Template] = []
    try:
        warm = session._call(session.pool.acquire, KernelSpec("python3", str(tmp_path)))
        session._call(session.pool.release, warm)
        assert session.pool._templates.wait_ready(60)
        prepared = [session.prepare(tmp_path / name) for name in sorted(notebooks)]
        session.expect(prepared)
        started = time.monotonic()
        results = {}
        for item in prepared:
            templates += [
                t
                for t in session.pool._templates._templates.values()
                if isinstance(t, Template) and t not in templates
            ]
            results[item.relpath] = session.run(item)
        elapsed = time.monotonic() - started
    finally:
        session.close()
    assert {name: r.outcome for name, r in results.items()} == dict.fromkeys(
        sorted(notebooks), "passed"
    ), {name: r.report for name, r in results.items()}
    kept = (tmp_path / str(results["a_hit.ipynb"].output_path)).read_text()
    assert re.search(r'"hit \d+\\n"', kept), kept  # it did break its template
    assert len(templates) >= 2  # the broken template was replaced by a new one
    assert all(t.process.poll() is not None for t in templates)  # none left behind, stopped or not
    # a stopped template used to stall the run 40 s (a 30 s reply timeout and a 10 s wait to close it)
    assert elapsed < 30, elapsed
