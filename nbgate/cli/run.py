"""``nbgate run NAME [--date D] [--param k=v] [--rev N] [--run-id ID]``: run a promoted schedule.

Exit codes: 0 the notebook ran, 1 it failed (its output notebook is kept
and indexed), 4 refused (paused or retired schedule, drifted notebook,
output already exists), 2 usage (unknown parameter, bad date or run id).
"""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

from nbgate import output
from nbgate.parameters import split_assignments
from nbgate.config import Config
from nbgate.errors import FAILED, OK


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


def run(*, config: Config, name: str, date: str | None = None, params: Sequence[str] = (),
        rev: int | None = None, run_id: str | None = None, retries: int | None = None,
        stream: bool = False) -> int:
    """Run schedule ``name`` (active revision, or ``rev``) for logical ``date``; return the exit code."""
    from nbgate.production import runner
    from nbgate.production.adapt import load_run_spec
    from nbgate.production.spec import logical_date

    overrides = split_assignments(params)
    spec = load_run_spec(config, name, rev)
    day = logical_date(date, spec.timezone)
    with _sigterm_interrupts():
        result = runner.run(config, spec, date=day, params=overrides, run_id=run_id, retries=retries,
                            stream=stream, progress=output.echo)
    tries = f" after {result.attempts} attempts" if result.attempts > 1 else ""
    if result.ok:
        output.result(f"{name} rev {spec.rev} for {day}: {output.style('succeeded', 'green')}{tries} in "
                      f"{_seconds(result.duration)}: {_shown(result.output)}")
        return OK
    output.result(f"{name} rev {spec.rev} for {day}: {output.style('failed', 'red', 'bold')}{tries}: "
                  f"{result.error}")
    if result.output:
        output.result(f"  output notebook (shows the failing cell): {_shown(result.output)}")
    else:
        output.result("  no output notebook was kept (it could not be written)")
    return FAILED


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate run``."""
    parser = subparsers.add_parser("run", help="run a promoted schedule's notebook; keep its output notebook")
    parser.add_argument("name", help="schedule name in the registry")
    parser.add_argument("--date", metavar="YYYY-MM-DD",
                        help="logical date: a date, today or yesterday, in the schedule's timezone (default today)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="override a production parameter (typed by its default in the parameters cell); repeatable")
    parser.add_argument("--rev", type=int, metavar="N", help="run revision N instead of the active one")
    parser.add_argument("--run-id", metavar="ID", help="run id (default: UTC time plus random digits)")
    parser.add_argument("--retries", type=int, metavar="N",
                        help="retries after a failure (default: the revision's; exported jobs pass 0)")
    parser.add_argument("--stream-output", action="store_true", help="echo the notebook's stdout/stderr live")
    parser.set_defaults(run=lambda ns, config: run(
        config=config, name=ns.name, date=ns.date, params=ns.param, rev=ns.rev, run_id=ns.run_id,
        retries=ns.retries, stream=ns.stream_output,
    ))
