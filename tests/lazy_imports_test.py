"""The commit-time hooks never load the heavy libraries (DESIGN "Notebook I/O", STYLE 13).

`nbgate strip --check`, `nbgate lint` and `nbgate sync --check` run on every commit, so
each is run here as pre-commit runs it, a fresh `python -m nbgate` process on the demo
project, under `-X importtime`: the interpreter itself lists every module the process
imported, whatever imported it and however lazily. `nbgate diff` between two different
notebooks is the control: it must load nbdime, which shows the probe sees lazy imports.
`nbgate runs` (on each index backend) is probed the same way: it loads one backend and
none of the stdlib modules its start-up used to pay for.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nbgate.production.index import libpq, now, open_url
from testing.git import Repo

REPO = Path(__file__).resolve().parent.parent

# each costs from tens of milliseconds to over a second to import, or pulls in a kernel stack
HEAVY = (
    "papermill",
    "nbclient",
    "jupyter_client",
    "zmq",
    "tornado",
    "ipykernel",
    "nbdime",
    "nbformat",  # the reader is orjson; nbformat's validator belongs to lint's fallback only
    "jsonschema",
    "jupytext",  # the py:percent reader is nbgate's own
    "psycopg",
    "starlette",
    "uvicorn",
    "jinja2",
    "nbconvert",
    "testbook",
    "pytest",
    "croniter",
)
# nbgate's own features that a hook has no business loading (DESIGN "Layout")
NOT_AT_COMMIT_TIME = (
    "nbgate.registry",
    "nbgate.production",
    "nbgate.smoke",
    "nbgate.execution",
    "nbgate.plugin",
    "nbgate.web",
    "nbgate.ci",
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed copy of fixtures/demo: sync decides which side changed from git."""
    root = tmp_path_factory.mktemp("lazy") / "demo"
    shutil.copytree(
        REPO / "fixtures" / "demo", root, ignore=shutil.ignore_patterns("output", ".nbgate")
    )
    # an executed copy outside the configured notebooks: strip and lint have something to report
    nb = json.loads((root / "notebooks" / "cleanup.ipynb").read_bytes())
    cell = next(cell for cell in nb["cells"] if cell["cell_type"] == "code")
    cell.update(
        execution_count=3, outputs=[{"name": "stdout", "output_type": "stream", "text": ["hi\n"]}]
    )
    (root / "scratch").mkdir()
    (root / "scratch" / "dirty.ipynb").write_text(json.dumps(nb, indent=1) + "\n")
    repo = Repo(root)
    repo.commit_all("demo")
    return root


def imported(
    cwd: Path, *args: str, env_extra: dict[str, str] | None = None, script: str | None = None
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``python -X importtime -m nbgate ARGS`` in CWD: the process and every module it imported.

    With ``script``, ``python -X importtime -c SCRIPT`` instead (the bare interpreter: ``pass``).
    """
    env = {**os.environ, **(env_extra or {})}
    # the fallback mode swaps fast paths for the libraries on purpose (jupytext, nbformat)
    env.pop("NBGATE_NO_FAST_PATHS", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    command = ["-c", script] if script is not None else ["-m", "nbgate", "--color", "never", *args]
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    modules, messages = set(), []
    for line in done.stderr.splitlines():
        # "import time: self [us] | cumulative | imported package", the name indented by depth
        if line.startswith("import time:") and line.count("|") == 2:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":
                modules.add(name)
        else:
            messages.append(line)
    done.stderr = "\n".join(messages)  # what nbgate itself said (summaries go to stderr)
    return done, modules


def loaded(modules: set[str], roots: tuple[str, ...]) -> list[str]:
    """The ROOTS (packages) of which MODULES holds the package itself or any submodule."""
    return sorted(r for r in roots if any(m == r or m.startswith(r + ".") for m in modules))


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("strip", "--check"), 0, ""),
        (("strip", "--check", "scratch/dirty.ipynb"), 1, "scratch/dirty.ipynb: needs stripping"),
        (("lint",), 0, ""),
        (("lint", "scratch/dirty.ipynb"), 1, "NBG101"),
        (("sync", "--check"), 0, "3 pair(s): 3 in sync, 0 need syncing"),
    ],
)
def test_commit_time_hooks_stay_light(
    demo: Path, args: tuple[str, ...], code: int, says: str
) -> None:
    done, modules = imported(demo, *args)
    assert done.returncode == code, done.stdout + done.stderr
    assert says in done.stdout + done.stderr
    # the probe saw the run: the command's own feature package was imported
    assert f"nbgate.{args[0]}" in modules
    assert loaded(modules, HEAVY) == []
    assert loaded(modules, NOT_AT_COMMIT_TIME) == []


def test_the_probe_sees_a_lazy_heavy_import(demo: Path) -> None:
    """`nbgate diff` of two different notebooks imports nbdime inside a function: it must show."""
    done, modules = imported(
        demo, "diff", "--files", "notebooks/cleanup.ipynb", "notebooks/daily_sales.ipynb"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "nbdime" in loaded(modules, HEAVY)


# What `nbgate runs` (people asking "did it run?", on a fleet's PostgreSQL index) must not load:
# each costs milliseconds of a start-up whose target is well under 150 ms with the query (issue 15).
# dataclasses pulls in inspect; socket was only for the host name; traceback only for a crash.
NOT_WHEN_ASKING = ("dataclasses", "inspect", "socket", "traceback", "psycopg")
# and of the two index backends only the one the URL names (sqlite3 / ctypes + libpq)
OTHER_BACKEND = {
    "sqlite": ("ctypes", "nbgate.production.index.libpq", "nbgate.production.index.postgres"),
    "postgresql": ("sqlite3", "nbgate.production.index.sqlite"),
}
USED_BACKEND = {
    "sqlite": ("sqlite3", "nbgate.production.index.sqlite"),
    "postgresql": ("ctypes", "nbgate.production.index.libpq"),  # the libpq reader, not psycopg
}


@pytest.mark.usefixtures("fast_paths_on")
@pytest.mark.parametrize(
    "args", [("runs", "sales", "--limit", "20"), ("runs", "stats", "sales", "--days", "30")]
)
def test_runs_loads_only_what_its_answer_needs(
    index_url: str, tmp_path: Path, args: tuple[str, ...]
) -> None:
    """`nbgate runs NAME` and `runs stats NAME` load one backend and none of NOT_WHEN_ASKING.

    Compared with the bare interpreter in the same environment (a site hook may import some
    of them for every process; then they are not nbgate's to save).
    """
    (tmp_path / "pyproject.toml").write_text("[tool.nbgate]\n")
    index = open_url(index_url, tmp_path)
    index.start(
        key="k1",
        name="sales",
        rev=1,
        date="2024-05-01",
        run_id="r-probe",
        attempt=1,
        output="s3://bucket/sales/r-probe.ipynb",
        source="git:abc",
        source_sha256="0" * 64,
        parameters={"n": 1},
        started=now(),
    )
    index.finish("k1", status="succeeded", duration=2.5)
    index.close()
    backend = index_url.partition(":")[0]
    if backend == "postgresql" and libpq.library() is None:  # fast paths on (fixture)
        pytest.skip("libpq is not installed here: psycopg serves the reads")
    env = {"NBGATE_RUN_INDEX_URL": index_url}

    done, modules = imported(tmp_path, *args, env_extra=env)
    _, bare = imported(tmp_path, script="pass", env_extra=env)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "sales" in done.stdout and ("r-probe" in done.stdout or "stats" in args)
    added = modules - bare
    assert "nbgate.production.runs" in added  # the probe saw the command run
    assert loaded(added, USED_BACKEND[backend]) == sorted(USED_BACKEND[backend])
    assert loaded(added, NOT_WHEN_ASKING) == []
    assert loaded(added, OTHER_BACKEND[backend]) == []
