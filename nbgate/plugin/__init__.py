"""The pytest plugin (``pytest11`` entry point): ``pytest --nbgate`` smoke-runs notebooks.

Installed with nbgate, so it is loaded by *every* pytest run of the user:
without ``--nbgate`` (or ini ``nbgate = true``) it only declares its options,
a marker and the ``nbgate_notebook`` fixture, and imports nothing heavy.
With it, a ``NbgateRun`` object (``nbgate.plugin.run``) is registered that
collects one item per covered notebook (``path.ipynb::smoke``), feeds the
kernel pool the run order, and executes each item through
``nbgate.smoke.session``. pytest looks for hooks and fixtures only in this
module's namespace; the run's hooks are methods of that registered object.

papermill/nbformat take about 1.3 s to import, paid again by every xdist
worker. The first kernels are launched (jupyter_client only, 0.15 s) before
the first notebook imports papermill, so that import overlaps their boot. (A
background import thread would also overlap collection, but two threads
importing the same modules can see each other's half-initialised modules.)
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from nbgate.plugin.options import load_config
from nbgate.plugin.run import MARKER, STASH, NbgateRun

_KEY = "nbgate-run"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Declare ``--nbgate`` and its options, and the ``nbgate`` ini switch."""
    group = parser.getgroup("nbgate", "nbgate: smoke-run notebooks with test parameters")
    group.addoption(
        "--nbgate",
        action="store_true",
        default=False,
        help="collect and smoke-run the notebooks [tool.nbgate] covers (ini: nbgate = true)",
    )
    group.addoption(
        "--nbgate-param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        dest="nbgate_params",
        help="test parameter for every notebook, a Python literal or else a string (repeatable)",
    )
    group.addoption(
        "--nbgate-kernel",
        default=None,
        metavar="NAME",
        help="run every notebook on this kernel (default: each notebook's kernelspec)",
    )
    group.addoption(
        "--nbgate-timeout",
        default=None,
        metavar="SECONDS",
        help="whole-notebook timeout (smoke.timeout; 0 = none)",
    )
    group.addoption(
        "--nbgate-cell-timeout",
        default=None,
        metavar="SECONDS",
        help="per-cell timeout (smoke.cell_timeout; 0 = none)",
    )
    group.addoption(
        "--nbgate-shard",
        default=None,
        metavar="I/N",
        help="run only shard I of N of the notebooks (1-based; for CI matrices)",
    )
    parser.addini(
        "nbgate", type="bool", default=False, help="smoke-run notebooks as if --nbgate were given"
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker; with ``--nbgate``, check the options and start the run state."""
    config.addinivalue_line("markers", f"{MARKER}: a notebook smoke test collected by nbgate")
    if not (config.getoption("nbgate") or config.getini("nbgate")):
        return
    state = NbgateRun(config)
    config.stash[STASH] = state
    config.pluginmanager.register(state, _KEY)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Make sure no kernel outlives the session."""
    state = config.stash.get(STASH, None)
    if state is not None:
        state.close()


# ---------------------------------------------------------------------- fixture


@pytest.fixture
def nbgate_notebook(request: pytest.FixtureRequest) -> Generator[Any, None, None]:
    """Open notebooks with testbook: ``tb = nbgate_notebook("nb.ipynb", parameters={...})``.

    Returns a testbook client whose kernel has executed the notebook with its
    test parameters (config < metadata < ``--nbgate-param`` < ``parameters``)
    injected, so a test can call ``tb.ref("fn")(...)``. A relative path is
    taken from the project root (the folder of the nearest pyproject.toml),
    else from the test file's folder. Kernels are killed after the test.
    """
    from contextlib import ExitStack

    from nbgate.plugin.fixture import open_notebook

    state = request.config.stash.get(STASH, None)
    cfg = state.nbgate_config if state is not None else load_config(request.config)
    cli = state.cli_parameters if state is not None else {}
    base = Path(str(request.node.path)).parent
    with ExitStack() as stack:

        def opener(path: str | Path, parameters: dict[str, Any] | None = None) -> Any:
            return open_notebook(
                cfg, path, parameters=parameters, cli_parameters=cli, stack=stack, base=base
            )

        yield opener
