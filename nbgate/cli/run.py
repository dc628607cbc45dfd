"""``nbgate run NAME [--date D] [--param k=v] [--rev N] [--run-id ID]``: run a promoted schedule.

Exit codes: 0 the notebook ran, 1 it failed (its output notebook is kept
and indexed), 4 refused (paused or retired schedule, drifted notebook,
output already exists), 2 usage (unknown parameter, bad date or run id).
The service is ``nbgate.production.run``.
"""

from __future__ import annotations

import argparse

from nbgate.production.run import run


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate run``."""
    parser = subparsers.add_parser(
        "run", help="run a promoted schedule's notebook; keep its output notebook"
    )
    parser.add_argument("name", help="schedule name in the registry")
    parser.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        help="logical date: a date, today or yesterday, in the schedule's timezone (default today)",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a production parameter (typed by its default in the parameters cell); repeatable",
    )
    parser.add_argument(
        "--rev", type=int, metavar="N", help="run revision N instead of the active one"
    )
    parser.add_argument(
        "--run-id", metavar="ID", help="run id (default: UTC time plus random digits)"
    )
    parser.add_argument(
        "--retries",
        type=int,
        metavar="N",
        help="retries after a failure (default: the revision's; exported jobs pass 0)",
    )
    parser.add_argument(
        "--stream-output", action="store_true", help="echo the notebook's stdout/stderr live"
    )
    parser.set_defaults(
        run=lambda ns, config: run(
            config=config,
            name=ns.name,
            date=ns.date,
            params=ns.param,
            rev=ns.rev,
            run_id=ns.run_id,
            retries=ns.retries,
            stream=ns.stream_output,
        )
    )
