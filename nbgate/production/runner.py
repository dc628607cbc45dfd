"""``nbgate run`` without the command line: refuse, execute, keep the output, index it.

Order matters for the guarantees: a refusal (paused schedule, drifted
notebook, taken output) is decided before any kernel starts and is indexed
as ``refused``; the output is claimed in the index and then created
exclusively before execution; the run row is finished whatever happens,
including Ctrl-C, so the index never shows a stale ``running`` row for a
process that exited normally.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from nbgate.config import Config
from nbgate.errors import GateError
from nbgate.production import execute as executor
from nbgate.production.content import promoted_content
from nbgate.production.index import FAILED, REFUSED, SUCCEEDED, RunIndex
from nbgate.production.outputs import Output, render
from nbgate.production.spec import (
    ACTIVE,
    RunSpec,
    attempt_run_id,
    check_run_id,
    merge_parameters,
    new_run_id,
)
from nbgate.registry import safety

Progress = Callable[[str], None]


class RunResult(NamedTuple):
    """How a run ended (refusals raise ``GateError`` instead)."""

    ok: bool
    run_id: str
    attempts: int
    output: str
    error: str | None
    duration: float


def run_index(config: Config) -> RunIndex:
    """The project's run index, ``<state_dir>/runs.db``."""
    return RunIndex(config.state_dir / "runs.db")


def _quiet(_: str) -> None:
    return None


def run(config: Config, spec: RunSpec, *, date: str, params: Mapping[str, Any] | None = None,
        run_id: str | None = None, retries: int | None = None, stream: bool = False,
        progress: Progress = _quiet, sleep: Callable[[float], None] = time.sleep) -> RunResult:
    """Run schedule revision ``spec`` for logical ``date``; see the module docstring."""
    index = run_index(config)
    base_id = check_run_id(run_id) if run_id else new_run_id()

    def refuse(message: str, run: str = base_id) -> GateError:
        index.refused(name=spec.name, rev=spec.rev, date=date, run_id=run, error=message)
        return GateError(message)

    if spec.state != ACTIVE:
        raise refuse(f"{spec.name} is {spec.state} (rev {spec.rev}); only active schedules run")
    problem = safety.template_error(spec.output) if spec.output else None
    if problem:  # a hand-edited revision file: refused whatever verify said
        raise refuse(f"{spec.name} rev {spec.rev}: {problem}")
    try:
        promoted = promoted_content(config.root, spec)
    except GateError as exc:
        raise refuse(str(exc)) from None
    if promoted.note:
        progress(promoted.note)

    label = f"{spec.notebook}@{promoted.source}"
    source = executor.load(promoted.raw, label)
    declared = executor.declared_parameters(source, spec.kernel)
    parameters = merge_parameters(spec.parameters, params or {}, date, declared)
    template = spec.output or str(config["run.output"])
    attempts = 1 + (spec.retries if retries is None else max(retries, 0))
    if attempts > 1 and "{run_id" not in template:
        progress(f"output template {template!r} has no {{run_id}}: a retry could not keep its own output, "
                 f"so this run is not retried")
        attempts = 1
    cwd = promoted.path.parent if promoted.path.parent.is_dir() else config.root
    startup = float(config["run.startup_timeout"])

    result: RunResult | None = None
    for attempt in range(1, attempts + 1):
        attempt_id = attempt_run_id(base_id, attempt)
        output = Output(config.root, render(template, name=spec.name, date=date, rev=spec.rev, run_id=attempt_id))
        nb = executor.prepare(copy.deepcopy(source), parameters, kernel=spec.kernel, input_label=label,
                              output_uri=output.uri)
        nb.metadata["nbgate"] = {"run": {
            "name": spec.name, "rev": spec.rev, "date": date, "run_id": attempt_id, "attempt": attempt,
            "source": promoted.source, "source_sha256": spec.source_sha256,
        }}
        try:
            row = index.start(name=spec.name, rev=spec.rev, date=date, run_id=attempt_id, attempt=attempt,
                              output=output.uri, source=promoted.source, source_sha256=spec.source_sha256,
                              parameters=dict(parameters))
        except GateError as exc:
            raise refuse(str(exc), attempt_id) from None
        started = time.monotonic()
        try:
            output.reserve(executor.dumps(nb))
        except BaseException as exc:  # the row must not stay "running"
            status = REFUSED if isinstance(exc, GateError) else FAILED
            index.finish(row, status=status, duration=time.monotonic() - started, error=str(exc) or repr(exc))
            raise
        progress(f"{spec.name} rev {spec.rev} for {date}: run {attempt_id} -> {output.uri}")
        result = _attempt(index, row, output, nb, spec, cwd, startup, stream, attempt_id, attempt, started)
        if result.ok or attempt == attempts:
            break
        progress(f"attempt {attempt} of {attempts} failed ({result.error}); retrying in {spec.retry_delay:g} s")
        sleep(spec.retry_delay)
    assert result is not None
    return result


def _attempt(index: RunIndex, row: int, output: Output, nb: Any, spec: RunSpec, cwd: Path, startup: float,
             stream: bool, run_id: str, attempt: int, started: float) -> RunResult:
    try:
        execution = executor.execute(nb, kernel=spec.kernel, cwd=cwd, cell_timeout=spec.cell_timeout,
                                     timeout=spec.timeout, startup_timeout=startup, stream=stream)
        output.write(execution.text)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            reason = f"interrupted ({exc})" if str(exc) else "interrupted"
        else:
            reason = f"{type(exc).__name__}: {exc}"
        try:  # keep whatever ran: the output must show how far it got
            output.write(executor.dumps(nb))
        except Exception:  # noqa: BLE001, S110 - the original error is the one to report
            pass
        index.finish(row, status=FAILED, duration=time.monotonic() - started, error=reason)
        raise
    duration = time.monotonic() - started
    status = SUCCEEDED if execution.ok else FAILED
    index.finish(row, status=status, duration=duration, error=execution.error)
    return RunResult(execution.ok, run_id, attempt, output.uri, execution.error, duration)
