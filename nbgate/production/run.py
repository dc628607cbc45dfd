"""``nbgate run``: run a promoted schedule for a logical date and say how it went.

``runner`` does the run (content, outputs, index, retries); this module
loads the revision, treats SIGTERM like Ctrl-C while it runs, and prints
the result.

Exit codes: 0 the notebook ran, 1 it failed (its output notebook is kept
and indexed), 4 refused (paused or retired schedule, drifted notebook,
output already exists), 2 usage (unknown parameter, bad date or run id).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

from nbgate import output
from nbgate.config import Config
from nbgate.errors import FAILED, OK
from nbgate.parameters import split_assignments
from nbgate.production import runner
from nbgate.production.adapt import load_run_spec
from nbgate.production.spec import logical_date


def _shown(where: str | None) -> str:
    """A local output path relative to the current folder; a URI (``s3://...``) as it is."""
    if not where or "://" in where:
        return str(where)
    return output.shown_path(where)


def _seconds(value: float) -> str:
    return f"{value:.1f}s"


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """Treat SIGTERM (Airflow's and Kubernetes' stop signal) like Ctrl-C while a run executes.

    The runner then records the run as interrupted and keeps its output
    notebook, instead of leaving a ``running`` row behind.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt("SIGTERM")

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(
    *,
    config: Config,
    name: str,
    date: str | None = None,
    params: Sequence[str] = (),
    rev: int | None = None,
    run_id: str | None = None,
    retries: int | None = None,
    stream: bool = False,
) -> int:
    """Run schedule ``name`` (active revision, or ``rev``) for logical ``date``; return the exit code."""
    overrides = split_assignments(params)
    spec = load_run_spec(config, name, rev)
    day = logical_date(date, spec.timezone)
    with _sigterm_interrupts():
        result = runner.run(
            config,
            spec,
            date=day,
            params=overrides,
            run_id=run_id,
            retries=retries,
            stream=stream,
            progress=output.echo,
        )
    tries = f" after {result.attempts} attempts" if result.attempts > 1 else ""
    if result.ok:
        output.result(
            f"{name} rev {spec.rev} for {day}: {output.style('succeeded', 'green')}{tries} in "
            f"{_seconds(result.duration)}: {_shown(result.output)}"
        )
        return OK
    output.result(
        f"{name} rev {spec.rev} for {day}: {output.style('failed', 'red', 'bold')}{tries}: "
        f"{result.error}"
    )
    if result.output:
        output.result(f"  output notebook (shows the failing cell): {_shown(result.output)}")
    else:
        output.result("  no output notebook was kept (it could not be written)")
    return FAILED
