"""``nbgate run`` without the command line: refuse, execute, keep the output, index it.

Order matters for the guarantees: a refusal (paused schedule, drifted
notebook, taken output) is decided before any kernel starts and is indexed
as ``refused``; the output is claimed in the index and then created
exclusively before execution; the run row is finished whatever happens,
including Ctrl-C, so the index never shows a stale ``running`` row for a
process that exited normally. While the notebook executes, a heartbeat
keeps the row alive (``run.heartbeat``). The index never stops a run: when
it cannot be reached, its records wait in the local spool (``Recorder``).
An output that cannot be written (full disk) fails the run with a one-line
error; the placeholder is removed (its output name released) rather than
left looking like a record.
"""

from __future__ import annotations

import copy
import functools
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from nbgate.config import Config
from nbgate.errors import ExecutionError, GateError, UsageError
from nbgate.parameters import declared as declared_parameters
from nbgate.production import execute as executor
from nbgate.production.content import promoted_content
from nbgate.production.heartbeat import beating
from nbgate.production.index import FAILED, REFUSED, SUCCEEDED, RunIndex, open_index
from nbgate.production.index import spool as index_spool
from nbgate.production.index.spool import Recorder
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
    """The project's run index (``run.index``)."""
    return open_index(config)


def _check_text(parameters: Mapping[str, Any]) -> None:
    """Refuse parameter values no notebook file can hold (lone surrogates) before a run id is used."""

    def bad(value: Any) -> bool:
        if isinstance(value, str):
            return any("\ud800" <= ch <= "\udfff" for ch in value)
        if isinstance(value, Mapping):
            return any(bad(k) or bad(v) for k, v in value.items())
        if isinstance(value, (list, tuple)):
            return any(bad(v) for v in value)
        return False

    for name, value in parameters.items():
        if bad(value):
            raise UsageError(
                f"parameter {name}: holds a lone surrogate (such as \\ud800), which no notebook "
                f"file can store"
            )


def _quiet(_: str) -> None:
    return None


def run(
    config: Config,
    spec: RunSpec,
    *,
    date: str,
    params: Mapping[str, Any] | None = None,
    run_id: str | None = None,
    retries: int | None = None,
    stream: bool = False,
    progress: Progress = _quiet,
    sleep: Callable[[float], None] = time.sleep,
) -> RunResult:
    """Run schedule revision ``spec`` for logical ``date``; see the module docstring."""
    index = Recorder(run_index(config), index_spool(config), progress)
    index.flush()
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
    declared = declared_parameters(source)
    parameters = merge_parameters(spec.parameters, params or {}, date, declared)
    _check_text(parameters)
    template = spec.output or str(config["run.output"])
    attempts = 1 + (spec.retries if retries is None else max(retries, 0))
    if attempts > 1 and "{run_id" not in template:
        progress(
            f"output template {template!r} has no {{run_id}}: a retry could not keep its own output, "
            f"so this run is not retried"
        )
        attempts = 1
    cwd = promoted.path.parent if promoted.path.parent.is_dir() else config.root
    startup = float(config["run.startup_timeout"])
    interval = float(config["run.heartbeat"])

    result: RunResult | None = None
    for attempt in range(1, attempts + 1):
        attempt_id = attempt_run_id(base_id, attempt)
        output = Output(
            config.root,
            render(template, name=spec.name, date=date, rev=spec.rev, run_id=attempt_id),
        )
        nb = executor.prepare(
            copy.deepcopy(source),
            parameters,
            kernel=spec.kernel,
            input_label=label,
            output_uri=output.uri,
        )
        nb.metadata["nbgate"] = {
            "run": {
                "name": spec.name,
                "rev": spec.rev,
                "date": date,
                "run_id": attempt_id,
                "attempt": attempt,
                "source": promoted.source,
                "source_sha256": spec.source_sha256,
            }
        }
        try:
            row = index.start(
                name=spec.name,
                rev=spec.rev,
                date=date,
                run_id=attempt_id,
                attempt=attempt,
                output=output.uri,
                source=promoted.source,
                source_sha256=spec.source_sha256,
                parameters=dict(parameters),
            )
        except GateError as exc:
            raise refuse(str(exc), attempt_id) from None
        started = time.monotonic()
        try:
            output.reserve(_placeholder(nb))
        except BaseException as exc:  # the row must not stay "running"
            status = REFUSED if isinstance(exc, GateError) else FAILED
            index.finish(
                row,
                status=status,
                duration=time.monotonic() - started,
                error=str(exc) or repr(exc),
                release_output=not isinstance(exc, GateError),
            )
            raise
        progress(f"{spec.name} rev {spec.rev} for {date}: run {attempt_id} -> {output.uri}")
        with beating(functools.partial(index.heartbeat, row), interval):
            result = _attempt(
                index, row, output, nb, spec, cwd, startup, stream, attempt_id, attempt, started
            )
        if result.ok or attempt == attempts:
            break
        progress(
            f"attempt {attempt} of {attempts} failed ({result.error}); retrying in {spec.retry_delay:g} s"
        )
        sleep(spec.retry_delay)
    assert result is not None
    return result


def _placeholder(nb: Any) -> str:
    """The prepared notebook, marked incomplete: what the output holds until the run ends."""
    meta = nb.metadata["nbgate"]["run"]
    meta["incomplete"] = True
    try:
        return executor.dumps(nb)
    finally:
        del meta["incomplete"]


def _attempt(  # noqa: PLR0917 - private helper or library override, arguments in order
    index: Recorder,
    row: str,
    output: Output,
    nb: Any,
    spec: RunSpec,
    cwd: Path,
    startup: float,
    stream: bool,
    run_id: str,
    attempt: int,
    started: float,
) -> RunResult:
    try:
        execution = executor.execute(
            nb,
            kernel=spec.kernel,
            cwd=cwd,
            cell_timeout=spec.cell_timeout,
            timeout=spec.timeout,
            startup_timeout=startup,
            stream=stream,
        )
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            reason = f"interrupted ({exc})" if str(exc) else "interrupted"
        else:
            reason = f"{type(exc).__name__}: {exc}"
        released = False
        try:  # keep whatever ran: the output must show how far it got
            output.write(executor.dumps(nb))
        except Exception:  # noqa: BLE001 - the original error is the one to report
            released = output.discard()
        index.finish(
            row,
            status=FAILED,
            duration=time.monotonic() - started,
            error=reason,
            release_output=released,
        )
        raise
    duration = time.monotonic() - started
    try:
        output.write(execution.text)
    except ExecutionError as exc:
        released = output.discard()
        error = str(exc) + ("" if released else " (the output holds the incomplete placeholder)")
        index.finish(row, status=FAILED, duration=duration, error=error, release_output=released)
        return RunResult(False, run_id, attempt, "" if released else output.uri, error, duration)
    status = SUCCEEDED if execution.ok else FAILED
    index.finish(row, status=status, duration=duration, error=execution.error)
    return RunResult(execution.ok, run_id, attempt, output.uri, execution.error, duration)
