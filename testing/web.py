"""A demo registry with real runs for ``nbgate serve`` tests: two revisions, runs that pass and fail.

Schedule ``job`` has revision 1 and a revision 2 whose notebook gained a
cell (so the revision diff shows something), and runs made by ``nbgate run``:
one succeeded, one failed (``limit=1`` trips an assert in cell 3). Schedule
``planted`` prints hostile HTML (a ``<script>``, an ``<img onerror>`` and a
``javascript:`` link) that would set ``nbgatePwned`` if it ever executed.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from nbgate.identity import source_sha256
from nbgate.notebook import read
from testing import notebooks
from testing.production import Project, add_revision, default_cells, make_project

#: Hostile output: each part tries to set ``nbgatePwned`` in its own window and its parent.
PLANTED_HTML = (
    '<p id="planted">planted output</p>'
    "<script>window.nbgatePwned = 'script'; try { parent.nbgatePwned = 'script'; } catch (e) {}</script>"
    "<img src=\"nonexistent.png\" onerror=\"window.nbgatePwned = 'onerror'; parent.nbgatePwned = 'onerror'\">"
    "<a id=\"planted-link\" href=\"javascript:window.nbgatePwned='link';parent.nbgatePwned='link'\">click me</a>"
)
PLANTED_CELLS = [
    notebooks.code('run_date = "2000-01-01"', tags=["parameters"]),
    notebooks.code(f"from IPython.display import HTML, display\ndisplay(HTML({PLANTED_HTML!r}))"),
]


class Demo(NamedTuple):
    """The demo project and the index row ids of its runs."""

    project: Project
    succeeded: int
    failed: int
    planted: int


def _run(project: Project, name: str, date: str, *params: str) -> int:
    from nbgate.production.run import run
    from nbgate.production.runner import run_index

    run(config=project.config(), name=name, date=date, params=params)
    return run_index(project.config()).list(name=name, limit=1)[0].id


def make_demo(root: Path) -> Demo:
    """Build the demo project under ``root`` and run its schedules for real."""
    project = make_project(root)
    config = project.config()
    add_revision(
        config,
        "job",
        notebook="notebooks/job.ipynb",
        source_sha256=source_sha256(project.nb),
        commit=project.commit,
        parameters={"label": "prod"},
        owners=("data@example.com",),
    )
    cells = [*default_cells()[:2], notebooks.code('print("rows checked")'), default_cells()[2]]
    notebooks.write(project.notebook, notebooks.make(cells))
    commit = project.repo.commit_all("job: check rows")
    add_revision(
        config,
        "job",
        source_sha256=source_sha256(read(project.notebook).nb),
        commit=commit,
        promoted_by="Jane Doe <jane@example.com>",
        promoted_at="2024-02-01T09:30:00Z",
    )
    planted = notebooks.write(root / "notebooks" / "planted.ipynb", notebooks.make(PLANTED_CELLS))
    commit = project.repo.commit_all("add planted")
    add_revision(
        config,
        "planted",
        notebook="notebooks/planted.ipynb",
        source_sha256=source_sha256(read(planted).nb),
        commit=commit,
        schedule="30 7 * * 1-5",
        owners=("ops@example.com",),
    )
    project = project._replace(commit=commit)
    ok = _run(project, "job", "2024-03-01")
    failed = _run(project, "job", "2024-03-02", "limit=1")
    hostile = _run(project, "planted", "2024-03-01")
    return Demo(project, ok, failed, hostile)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving(root: Path, *args: str, timeout: float = 120.0) -> Iterator[str]:
    """Run ``nbgate serve`` on a free loopback port in ``root``; yield its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).parent.parent), os.environ.get("PYTHONPATH", "")]
        ),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "nbgate", "serve", "--port", str(port), *args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url + "assets/style.css", timeout=5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    out = process.stdout.read() if process.stdout else ""
                    raise AssertionError(f"nbgate serve did not start: {out}") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
