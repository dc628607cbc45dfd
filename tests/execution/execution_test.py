"""The shared execution layer through both of its users, with real kernels.

Each case runs one notebook through the smoke runner (on a pool kernel) and
through ``nbgate run``'s executor (on a kernel nbclient starts), so the two
judge a notebook alike: timeouts, allowed errors, errors raised after a
cell finished, a kernel that dies. A kernel start costs 1 to 3 s on a loaded
machine, so each test checks several things about one run per user.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from nbgate import notebook
from nbgate.production import execute as production
from nbgate.smoke import runner
from nbgate.smoke.pool import KernelPool, KernelSpec
from testing.notebooks import code, make, markdown

#: an IPython post_execute callback that fails once, the way matplotlib's inline backend fails to
#: draw a figure after the cell's own code has finished (the execute reply says "ok")
POST_EXECUTE = (
    "def draw():\n"
    "    raise RuntimeError('cannot draw figure')\n"
    "ip = get_ipython()\n"
    "ip.events.register('post_execute', draw)\n"
    "x = 1"
)
UNREGISTER = "ip.events.unregister('post_execute', draw)"
KILL_KERNEL = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"


def smoke(
    tmp_path: Path,
    nb: dict[str, Any],
    *,
    cell_timeout: float = 0,
    timeout: float = 0,
    kernel: str = "python3",
) -> runner.SmokeRun:
    """Smoke-run ``nb`` on a fresh spawned pool kernel, as ``SmokeSession.run`` does."""
    pool = KernelPool(0, "spawn")
    try:
        started = pool.acquire(KernelSpec(kernel, str(tmp_path)))
        try:
            return runner.execute(nb, None, started, runner.Settings(cell_timeout, timeout, 120))
        finally:
            pool.release(started)
    finally:
        pool.close()


def produce(
    tmp_path: Path,
    nb: dict[str, Any],
    *,
    cell_timeout: float | None = None,
    timeout: float | None = None,
    kernel: str | None = None,
) -> tuple[production.ExecutedNotebook, dict[str, Any]]:
    """Run ``nb`` as ``nbgate run`` does; the execution and the output notebook it would write."""
    node = production.load(notebook.dumps(nb), "job.ipynb@abc")
    node = production.prepare(
        node, {}, kernel=kernel, input_label="job.ipynb", output_uri="out.ipynb"
    )
    done = production.execute(
        node,
        kernel=kernel,
        cwd=tmp_path,
        cell_timeout=cell_timeout,
        timeout=timeout,
        startup_timeout=120,
    )
    return done, json.loads(done.text)


def _errors(cell: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (o["ename"], o["evalue"]) for o in cell.get("outputs", []) if o["output_type"] == "error"
    ]


def _own(nb: dict[str, Any]) -> list[dict[str, Any]]:
    """The notebook's own cells (without papermill's error markers)."""
    return [
        c
        for c in nb["cells"]
        if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])
    ]


# ---------------------------------------------------------------------- timeouts


def test_a_cell_timeout_names_the_running_cell_in_both_users(tmp_path: Path) -> None:
    nb = make(
        [
            markdown("# slow"),
            code("x = 1"),
            code("import time\nfor _ in range(600):\n    time.sleep(0.1)"),
            code("print('never')"),
        ]
    )

    done = smoke(tmp_path, nb, cell_timeout=3)
    assert done.outcome == "timeout"
    assert done.failure is not None
    assert (done.failure.kind, done.failure.cell) == (
        "timeout",
        3,
    )  # the markdown cell counts, as committed
    assert done.failure.summary == "cell timed out after 3 s (per-cell timeout, smoke.cell_timeout)"
    assert "time.sleep(0.1)" in done.failure.source
    assert done.nb is not None
    assert done.nb["cells"][-1]["outputs"] == []  # never ran

    ran, out = produce(tmp_path, nb, cell_timeout=3)
    assert not ran.ok
    assert ran.error == "cell 3 (In [2]): CellTimeoutError: the cell exceeded its timeout of 3 s"
    cells = _own(out)
    # after what the interrupted kernel sent (a KeyboardInterrupt), the timeout itself
    assert _errors(cells[2])[-1] == ("CellTimeoutError", "the cell exceeded its timeout of 3 s")
    assert cells[2]["metadata"]["papermill"]["status"] == "failed"
    assert cells[3]["outputs"] == []  # never ran
    assert out["metadata"]["papermill"]["exception"] is True


def test_the_whole_notebook_timeout_is_told_apart_from_the_cell_timeout(tmp_path: Path) -> None:
    # every cell stays under the per-cell limit; together they exceed the notebook's
    nb = make([code(f"import time\ntime.sleep(1.5)\nstep = {i}") for i in range(12)])

    done = smoke(tmp_path, nb, cell_timeout=60, timeout=4)
    assert done.outcome == "timeout" and done.failure is not None
    assert (
        done.failure.summary
        == "notebook timed out after 4 s (whole-notebook timeout, smoke.timeout)"
    )
    assert done.failure.cell is not None and 2 <= done.failure.cell < 12

    ran, out = produce(tmp_path, nb, cell_timeout=60, timeout=12)
    assert not ran.ok and ran.error is not None
    assert "CellTimeoutError: the notebook exceeded its whole-notebook timeout of 12 s" in ran.error
    failed = [i for i, cell in enumerate(_own(out)) if _errors(cell)]
    assert len(failed) == 1 and ran.error.startswith(f"cell {failed[0] + 1} (In [")


# ---------------------------------------------------------------------- allowed errors


def test_an_error_in_a_cell_that_may_raise_is_not_the_failure(tmp_path: Path) -> None:
    nb = make(
        [
            code("x = 1"),
            code("raise ValueError('expected')", tags=["raises-exception"]),
            code("# NBVAL_RAISES_EXCEPTION\nraise KeyError('also expected')"),
            code("print(x + 1)"),
            code("y = 2\n1 / 0\nz = 3"),
        ]
    )
    done = smoke(tmp_path, nb)
    assert done.outcome == "failed" and done.failure is not None
    # the failure is the unexpected error of cell 5, not one of the allowed ones above it
    assert (done.failure.cell, done.failure.line) == (5, 2)
    assert done.failure.summary == "ZeroDivisionError: division by zero"
    assert done.nb is not None
    cells = _own(done.nb)
    assert _errors(cells[1]) == [("ValueError", "expected")]
    assert _errors(cells[2]) == [("KeyError", "'also expected'")]
    assert (
        cells[3]["outputs"][0]["text"] == "2\n"
    )  # the kernel kept running after the allowed errors

    # without the unexpected error: passes, in both users
    passing = make(nb["cells"][:2] + nb["cells"][3:4])
    assert smoke(tmp_path, passing).outcome == "passed"
    ran, out = produce(tmp_path, passing)
    assert (ran.ok, ran.error) == (True, None)
    assert _errors(out["cells"][1]) == [("ValueError", "expected")]
    assert "".join(out["cells"][2]["outputs"][0]["text"]) == "2\n"
    assert not out["metadata"]["papermill"]["exception"]


# ---------------------------------------------------------------------- errors after a cell finished


def test_an_error_raised_after_a_cell_finished_is_that_cells(tmp_path: Path) -> None:
    # cell 1's error comes from IPython's post_execute hook: its execute reply is "ok" and cell 2 runs;
    # cell 3 then fails on its own, but the first failure is cell 1's
    nb = make([code(POST_EXECUTE), code(UNREGISTER), code("print('after')\n1 / 0")])

    done = smoke(tmp_path, nb)
    assert done.outcome == "failed" and done.failure is not None
    assert (done.failure.kind, done.failure.cell, done.failure.line) == ("cell-error", 1, 2)
    assert done.failure.summary == "RuntimeError: cannot draw figure"

    ran, out = produce(tmp_path, nb)
    assert not ran.ok
    assert ran.error == "cell 1 (In [1]): RuntimeError: cannot draw figure"
    cells = _own(out)
    assert _errors(cells[0]) == [("RuntimeError", "cannot draw figure")]
    assert _errors(cells[2]) == [("ZeroDivisionError", "division by zero")]


# ---------------------------------------------------------------------- dead kernel, no kernel


def test_a_kernel_that_dies_fails_the_running_cell_in_both_users(tmp_path: Path) -> None:
    nb = make([code("print('first')"), code(KILL_KERNEL), code("print('never')")])

    done = smoke(tmp_path, nb)
    assert done.outcome == "dead-kernel" and done.failure is not None
    assert (done.failure.kind, done.failure.cell) == ("dead-kernel", 2)
    assert done.failure.summary == "the kernel died while the cell was running"

    ran, out = produce(tmp_path, nb)
    assert not ran.ok and ran.error is not None
    # "In [2]" only if the kernel announced the cell before it died
    assert re.match(r"cell 2( \(In \[2\]\))?: DeadKernelError: the kernel died: ", ran.error), (
        ran.error
    )
    cells = _own(out)
    assert "".join(cells[0]["outputs"][0]["text"]) == "first\n"
    assert [e[0] for e in _errors(cells[1])] == ["DeadKernelError"]
    assert cells[2]["outputs"] == []


def test_a_kernel_that_does_not_exist_is_no_cell_failure(tmp_path: Path) -> None:
    nb = make([code("1")])
    done = smoke(tmp_path, nb, kernel="no-such-kernel")
    assert done.outcome == "error" and done.failure is not None
    assert (done.failure.kind, done.failure.cell) == ("kernel-start", None)
    assert "no-such-kernel" in done.failure.summary

    ran, out = produce(tmp_path, nb, kernel="no-such-kernel")
    assert not ran.ok and ran.error is not None
    assert ran.error.startswith("kernel 'no-such-kernel' could not run the notebook: NoSuchKernel")
    assert out["metadata"]["papermill"]["exception"] is True
