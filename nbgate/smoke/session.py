"""One smoke run over many notebooks: prepare each, run it on a pool kernel,
keep the executed notebook, check outputs, write evidence.

Shared by the pytest plugin (one item per notebook) and ``nbgate gate``'s
smoke stage, so both judge a notebook the same way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from nbgate import evidence as ledger
from nbgate import lazyimport, notebook
from nbgate.atomic import atomic_write
from nbgate.config import Config
from nbgate.errors import ConfigError, NbgateError
from nbgate.identity import source_sha256
from nbgate.notebook import Notebook
from nbgate.smoke import checks
from nbgate.smoke.params import resolve
from nbgate.smoke.pool import KernelPool, KernelSpec
from nbgate.smoke.report import Failure, format_failure
from nbgate.smoke.runner import Settings, execute

DEFAULT_KERNEL = "python3"
T = TypeVar("T")


class Prepared(NamedTuple):
    """A notebook ready to run: what it is, how to run it, or why it cannot."""

    path: Path
    relpath: str
    nb: Notebook
    sha: str
    parameters: dict[str, Any]
    spec: KernelSpec
    problem: str | None  # a parameter error: fails before execution
    skip: str | None
    xfail: str | None


class Result(NamedTuple):
    """How one notebook's smoke run ended."""

    prepared: Prepared
    outcome: str  # passed, failed, error, timeout, dead-kernel (xfailed only in the ledger)
    failure: Failure | None
    report: str  # the full failure report ('' when passed)
    output_path: str | None
    evidence_path: Path | None
    duration: float


def relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` as posix, or its absolute posix path outside it."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def _reason(nb: Notebook, key: str) -> str | None:
    meta = nb.get("metadata", {}).get("nbgate", {})
    if not isinstance(meta, dict) or key not in meta or meta[key] in (None, False):
        return None
    value = meta[key]
    return (
        value if isinstance(value, str) and value else f"nbgate.{key} set in the notebook metadata"
    )


def prepare(
    config: Config,
    path: Path,
    nb: Notebook | None = None,
    *,
    cli_parameters: Mapping[str, Any] | None = None,
) -> Prepared:
    """Read (unless given), hash and parameterise one notebook; never executes.

    A parameter problem is recorded in ``problem`` (the item fails before
    execution); an unreadable notebook raises ``NotebookError``.
    """
    path = Path(path)
    if nb is None:
        nb = notebook.read(path).nb
    smoke = config.section("smoke")
    relpath = relative(path, config.root)
    kernelspec = nb.get("metadata", {}).get("kernelspec", {})
    name = smoke["kernel"] or (kernelspec.get("name") if isinstance(kernelspec, dict) else None)
    spec = KernelSpec(str(name or DEFAULT_KERNEL), str(path.resolve().parent))
    problem = None
    parameters: dict[str, Any] = {}
    try:
        parameters = resolve(
            nb,
            config_parameters=smoke["parameters"],
            cli_parameters=cli_parameters or {},
            where=relpath,
        ).parameters
    except NbgateError as exc:
        problem = str(exc)
    return Prepared(
        path,
        relpath,
        nb,
        source_sha256(nb),
        parameters,
        spec,
        problem,
        _reason(nb, "skip"),
        _reason(nb, "xfail"),
    )


class SmokeSession:
    """Runs notebooks for one pytest session or one ``nbgate gate``; close it when done."""

    def __init__(
        self,
        config: Config,
        *,
        cli_parameters: Mapping[str, Any] | None = None,
        pool_size: int | None = None,
        color: bool = False,
    ) -> None:
        lazyimport.install()  # papermill -> nbformat -> jsonschema: 1 s of IRI grammar otherwise
        self.config = config
        self.smoke = config.section("smoke")
        self.cli_parameters = dict(cli_parameters or {})
        self.color = color
        if self.smoke["check_outputs"] not in checks.MODES:
            raise ConfigError(
                f"smoke.check_outputs = {self.smoke['check_outputs']!r}: expected 'tagged' or 'all'"
            )
        try:
            self.sanitizers = checks.compile_sanitizers(self.smoke["sanitizers"])
            if self.smoke["sanitize_file"]:
                self.sanitizers.update(
                    checks.load_sanitize_file(Path(self.smoke["sanitize_file"]), config.root)
                )
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        size = self.smoke["pool_size"] if pool_size is None else pool_size
        if self.smoke["kernel_start"] not in ("fork", "spawn"):
            raise ConfigError(
                f"smoke.kernel_start = {self.smoke['kernel_start']!r}: expected 'fork' or 'spawn'"
            )
        self.pool = KernelPool(size, self.smoke["kernel_start"])
        # Every kernel operation (launch, execute, kill) runs on one thread with a shallow stack.
        # Run deep inside pytest's hooks, the event loop's hot path sat on a boundary of CPython
        # 3.11's frame-stack chunks under `python -m pytest` and mapped and unmapped a 16 KB chunk
        # about 500 times per cell (+3 s of system time on 1,000 cells). The thread also keeps the
        # kernels' asyncio sockets on one event loop.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nbgate-kernels")

    def _call(self, fn: Callable[..., T], *args: Any) -> T:
        return self._thread.submit(fn, *args).result()

    # --------------------------------------------------------------- preparing

    def prepare(self, path: Path, nb: Notebook | None = None) -> Prepared:
        """Read (unless given), hash and parameterise one notebook; never executes."""
        return prepare(self.config, path, nb, cli_parameters=self.cli_parameters)

    def expect(self, items: Iterable[Prepared]) -> None:
        """Tell the pool which notebooks run next, in order, so their kernels boot early."""
        specs = [p.spec for p in items if p.problem is None and p.skip is None]
        self._call(self.pool.expect, specs)

    def foresee(self, count: int) -> None:
        """About ``count`` notebooks will run in this session, though only the next ones are expected."""
        self.pool.foresee(count)

    # --------------------------------------------------------------- running

    def run(self, prepared: Prepared) -> Result:
        """Execute one notebook, keep its output, check outputs, write its evidence."""
        if prepared.problem is not None:
            problem = Failure("parameters", prepared.problem.split(": ", 1)[-1])
            return Result(
                prepared, "error", problem, self._format(prepared, problem, None), None, None, 0.0
            )

        forced = (
            self.config.sources.get("smoke.cell_timeout") == "command line"
        )  # beats the notebook's own
        settings = Settings(
            self.smoke["cell_timeout"], self.smoke["timeout"], self.smoke["startup_timeout"], forced
        )
        kernel = self._call(self.pool.acquire, prepared.spec)
        future = self._thread.submit(execute, prepared.nb, prepared.parameters, kernel, settings)
        try:
            execution = future.result()
        except KeyboardInterrupt:
            self.pool.kill(kernel)  # the execution then ends with a dead kernel; wait for it
            future.exception(timeout=30)
            raise
        finally:
            self._call(self.pool.release, kernel)
        outcome: str = execution.outcome
        failure: Failure | None = execution.failure
        output_rel = output_sha = None
        if execution.nb is not None:
            output_rel, output_sha = self._keep(prepared, execution.nb)
        if outcome == "passed" and execution.nb is not None:
            mismatches = checks.compare(
                prepared.nb,
                execution.nb,
                sanitizers=self.sanitizers,
                images=self.smoke["check_images"],
                mode=self.smoke["check_outputs"],
            )
            if mismatches:
                outcome = "failed"
                failure = Failure(
                    "output-check",
                    f"{len(mismatches)} checked cell(s) differ from their committed outputs",
                    extra=checks.describe(mismatches),
                )
        recorded = "xfailed" if prepared.xfail and outcome != "passed" else outcome
        record = ledger.make_record(
            path=prepared.relpath,
            source_sha256=prepared.sha,
            parameters=prepared.parameters,
            outcome=recorded,
            duration=execution.duration,
            kernel=prepared.spec.name,
            output_path=output_rel or "",
            output_sha256=output_sha or "",
        )
        evidence = ledger.write_evidence(self.config, record)
        report = self._format(prepared, failure, output_rel) if failure is not None else ""
        return Result(prepared, outcome, failure, report, output_rel, evidence, execution.duration)

    def _keep(self, prepared: Prepared, executed: Notebook) -> tuple[str, str]:
        """Write the executed notebook under ``<state_dir>/runs/smoke/`` once; its path and sha256."""
        stem = prepared.relpath.removesuffix(".ipynb")
        stem = stem.lstrip("/").replace("..", "__")
        target = self.config.state_dir / "runs" / "smoke" / f"{stem}.{prepared.sha[:12]}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        data = notebook.dumps(executed)
        atomic_write(target, data)
        return relative(target, self.config.root), hashlib.sha256(data).hexdigest()

    def _format(self, prepared: Prepared, failure: Failure, output_rel: str | None) -> str:
        return format_failure(prepared.relpath, failure, output_path=output_rel, color=self.color)

    def close(self) -> None:
        """Kill unused kernels and wait for the reaper."""
        self._call(self.pool.close)
        self._thread.shutdown(wait=True)
