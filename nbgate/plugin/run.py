"""What a ``pytest --nbgate`` run does: its state, its hooks and the items it collects.

``nbgate.plugin`` (the entry point) registers a :class:`NbgateRun` as a
plugin only when ``--nbgate`` (or ini ``nbgate = true``) is given; its hook
methods collect one ``NotebookFile`` per covered notebook, shard the items,
feed the kernel pool the run order and report the kernels. Like the entry
point, this module imports nothing heavy at load: nbgate's smoke modules
(papermill, nbformat, jupyter_client) are imported inside the functions that
need them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from nbgate.plugin.options import load_config, parse_shard, seconds

if TYPE_CHECKING:
    from nbgate.smoke.session import Prepared, Result, SmokeSession

MARKER = "nbgate"


# ---------------------------------------------------------------------- the run state


class NbgateRun:
    """Everything a ``--nbgate`` run needs; registered as a plugin only then."""

    def __init__(self, config: pytest.Config) -> None:
        from nbgate.errors import NbgateError
        from nbgate.parameters import split_assignments

        self.config = config
        try:
            self.cli_parameters: dict[str, Any] = split_assignments(
                config.getoption("nbgate_params"), "--nbgate-param"
            )
        except NbgateError as exc:
            raise pytest.UsageError(str(exc)) from None
        self.shard = parse_shard(config.getoption("nbgate_shard"))
        overrides = {
            "smoke.timeout": seconds(config, "nbgate-timeout"),
            "smoke.cell_timeout": seconds(config, "nbgate-cell-timeout"),
            "smoke.kernel": config.getoption("nbgate_kernel"),
        }
        self.nbgate_config = load_config(config, overrides)
        self.worker = hasattr(config, "workerinput")
        self.controller = (
            not self.worker
            and config.pluginmanager.hasplugin("xdist")
            and config.getoption("dist", "no") != "no"
        )
        self._session: SmokeSession | None = None
        self.kernels = (0, 0)  # launched, forked from a template (known once the session closes)
        self._expected: set[str] = set()
        self._foreseen = False
        self._explicit = {Path(str(arg).split("::")[0]).resolve() for arg in config.args}

    @property
    def workers(self) -> int:
        """How many xdist workers share the run (1 without xdist)."""
        workerinput = getattr(self.config, "workerinput", {})
        return max(1, int(workerinput.get("workercount", 1)))

    @property
    def session(self) -> SmokeSession:
        """The smoke session, created on first use (its pool is shared by all items)."""
        if self._session is None:
            from nbgate.smoke.session import SmokeSession

            # each xdist worker keeps its share of the configured start-ups in flight
            size = (
                max(1, int(self.nbgate_config["smoke.pool_size"]) // self.workers)
                if self.worker
                else None
            )
            self._session = SmokeSession(
                self.nbgate_config,
                cli_parameters=self.cli_parameters,
                pool_size=size,
                color=_color(self.config),
            )
        return self._session

    def close(self) -> None:
        """Kill unused kernels."""
        if self._session is not None:
            self.kernels = (self._session.pool.launched, self._session.pool.forked)
            self._session.close()
            self._session = None

    # ------------------------------------------------------------------ hooks

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        """What is needed to reproduce the run."""
        cfg = self.nbgate_config
        smoke = cfg.section("smoke")
        params = {k: v for k, v in {**smoke["parameters"], **self.cli_parameters}.items()}
        line = (
            f"nbgate: config {cfg.pyproject or '(none)'}, kernel {smoke['kernel'] or 'from each notebook'}, "
            f"timeout {smoke['timeout']:g}s, cell timeout {smoke['cell_timeout']:g}s, "
            f"pool {smoke['pool_size']}, kernel start {smoke['kernel_start']}"
        )
        lines = [line, f"nbgate: parameters {params!r}"]
        if self.shard:
            lines.append(f"nbgate: shard {self.shard[0]}/{self.shard[1]}")
        return lines

    def pytest_collect_file(
        self, file_path: Path, parent: pytest.Collector
    ) -> pytest.Collector | None:
        """A covered ``.ipynb`` (or a twin-only jupytext ``.py``) becomes a ``NotebookFile``."""
        if file_path.suffix == ".ipynb":
            if self._wanted(file_path, file_path):
                return NotebookFile.from_parent(parent, path=file_path)
        elif file_path.suffix == ".py" and self._twin_only(file_path):
            return NotebookFile.from_parent(parent, path=file_path)
        return None

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        """Apply ``--nbgate-shard``: notebooks sorted by node id, dealt round-robin."""
        if self.shard is None:
            return
        index, count = self.shard
        ours = (NotebookItem, UnreadableItem)
        notebooks = sorted(item.nodeid for item in items if isinstance(item, ours))
        mine = {
            nodeid for position, nodeid in enumerate(notebooks) if position % count == index - 1
        }
        keep = [item for item in items if not isinstance(item, ours) or item.nodeid in mine]
        dropped = [item for item in items if isinstance(item, ours) and item.nodeid not in mine]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = keep

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> None:
        """Without xdist the whole run order is known: start the first kernels now."""
        if self.worker or self.controller or self.config.option.collectonly:
            return
        self._expect(session.items)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> None:
        """An xdist worker only knows the next item: keep its kernel booting."""
        if self.worker:
            if not self._foreseen and isinstance(item, NotebookItem):  # its first notebook
                self._foreseen = True  # it will run about its share of them
                self.session.foresee(
                    sum(isinstance(i, NotebookItem) for i in item.session.items) // self.workers
                )
            self._expect([item] + ([nextitem] if nextitem is not None else []))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Kill unused kernels before pytest reports; an xdist worker sends its counts to the controller."""
        self.close()
        if self.worker:
            self.config.workeroutput["nbgate_kernels"] = list(self.kernels)  # type: ignore[attr-defined]

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """The controller adds up the kernels its xdist workers started."""
        counts = getattr(node, "workeroutput", {}).get("nbgate_kernels")
        if isinstance(counts, list) and len(counts) == 2:
            self.kernels = (self.kernels[0] + int(counts[0]), self.kernels[1] + int(counts[1]))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """How the kernels were started (under xdist: all workers' kernels, added up by the controller)."""
        if self.worker:
            return
        launched, forked = self.kernels
        if launched and self.config.get_verbosity() >= 0:
            terminalreporter.write_line(
                f"nbgate: {launched} fresh kernel(s), {forked} of them forked from a "
                "template process (smoke.kernel_start)"
            )

    # ------------------------------------------------------------------ helpers

    def _expect(self, items: list[pytest.Item]) -> None:
        fresh = [
            i
            for i in items
            if isinstance(i, NotebookItem)
            and i.nodeid not in self._expected
            and not any(True for _ in i.iter_markers("skip"))
        ]
        if fresh:
            self._expected.update(i.nodeid for i in fresh)
            self.session.expect(i.prepared for i in fresh)

    def _wanted(self, file_path: Path, as_notebook: Path) -> bool:
        from nbgate.project import is_covered

        cfg = self.nbgate_config
        parts = file_path.resolve().parts
        if ".ipynb_checkpoints" in parts or cfg.state_dir.resolve() in file_path.resolve().parents:
            return False
        return file_path.resolve() in self._explicit or is_covered(as_notebook, cfg)

    def _twin_only(self, file_path: Path) -> bool:
        notebook = file_path.with_suffix(".ipynb")
        if notebook.exists() or not self.nbgate_config["sync.enabled"]:
            return False
        if (
            not self._wanted(file_path, notebook) or not file_path.is_file()
        ):  # a FIFO would block open()
            return False
        try:
            with file_path.open("r", encoding="utf-8") as handle:
                head = handle.read(2000)
        except (OSError, UnicodeDecodeError):
            return False
        return "jupyter:" in head and "jupytext" in head


def _color(config: pytest.Config) -> bool:
    option = getattr(config.option, "color", "auto")
    if option == "yes":
        return True
    if option == "no":
        return False
    return bool(config.get_terminal_writer().hasmarkup)


STASH = pytest.StashKey[NbgateRun]()


# ---------------------------------------------------------------------- collection


class NotebookFailed(Exception):
    """An item's notebook did not pass; carries the smoke result."""

    def __init__(self, result: Result) -> None:
        super().__init__(result.report)
        self.result = result


class NotebookFile(pytest.File):
    """A notebook file: one ``smoke`` item."""

    def collect(self) -> Iterator[pytest.Item]:
        """Read, hash and parameterise the notebook (no execution)."""
        from nbgate.errors import NbgateError

        state = self.config.stash[STASH]
        nb = None
        try:
            if self.path.suffix == ".py":
                nb = _convert_twin(self.path, state.nbgate_config["sync.format"])
            prepared = _prepare(state, self.path, nb)
        except NbgateError as exc:  # one failing item; the other notebooks still run (nbmake's way)
            broken = UnreadableItem.from_parent(self, name="smoke", problem=str(exc))
            broken.add_marker(MARKER)
            yield broken
            return
        item = NotebookItem.from_parent(self, name="smoke", prepared=prepared)
        item.add_marker(MARKER)
        if prepared.skip:
            item.add_marker(pytest.mark.skip(reason=prepared.skip))
        if prepared.xfail:
            item.add_marker(
                pytest.mark.xfail(reason=prepared.xfail, raises=NotebookFailed, strict=False)
            )
        yield item


def _prepare(state: NbgateRun, path: Path, nb: Any) -> Prepared:
    # collection only reads JSON and parses the parameters cell: no kernel, no papermill
    from nbgate.smoke.session import prepare

    return prepare(state.nbgate_config, path, nb, cli_parameters=state.cli_parameters)


def _convert_twin(path: Path, fmt: str) -> dict[str, Any]:
    import jupytext

    from nbgate.errors import NotebookError
    from nbgate.notebook import loads

    try:
        node = jupytext.reads(
            path.read_text(encoding="utf-8"),
            fmt=fmt.split(":", maxsplit=1)[0] if ":" in fmt else fmt,
        )
    except Exception as exc:  # noqa: BLE001 - jupytext raises many kinds
        raise NotebookError(path, f"jupytext cannot read it: {exc}") from None
    import nbformat

    return loads(nbformat.writes(node).encode("utf-8"), path)  # type: ignore[no-untyped-call]


class NotebookItem(pytest.Item):
    """``path.ipynb::smoke``: execute the notebook with its test parameters."""

    def __init__(self, *, prepared: Prepared, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.prepared = prepared
        self.result: Result | None = None

    def runtest(self) -> None:
        """Run the notebook; raise ``NotebookFailed`` unless it passed."""
        state = self.config.stash[STASH]
        self.user_properties.append(("nbgate_notebook", self.prepared.relpath))
        self.result = state.session.run(self.prepared)
        self.user_properties.append(("nbgate_outcome", self.result.outcome))
        if self.result.output_path:
            self.user_properties.append(("nbgate_output", self.result.output_path))
        if self.result.outcome != "passed":
            raise NotebookFailed(self.result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """The smoke report (cell, source excerpt, traceback) instead of a Python traceback."""
        if isinstance(excinfo.value, NotebookFailed):
            # the node id names the notebook already: the first line (pytest's short summary) leads with the cell
            report = excinfo.value.result.report
            for prefix in (f"{self.prepared.relpath}, ", f"{self.prepared.relpath}: "):
                if report.startswith(prefix):
                    return report[len(prefix) :]
            return report
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        """Where the item comes from: the file, line 0 (skip reports need a number), a headline."""
        return self.path, 0, f"notebook {self.prepared.relpath}"


class UnreadableItem(pytest.Item):
    """``path.ipynb::smoke`` for a notebook that cannot be read: fails with the file's error."""

    def __init__(self, *, problem: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.problem = problem

    def runtest(self) -> None:
        """Fail with the read error (collection went on, so every other notebook runs)."""
        raise NotebookUnreadable(self.problem)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """The one-line read error, no Python traceback."""
        if isinstance(excinfo.value, NotebookUnreadable):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        """The file, line 0, a headline."""
        return self.path, 0, f"notebook {self.path.name} (unreadable)"


class NotebookUnreadable(Exception):
    """The notebook file could not be read or converted."""
