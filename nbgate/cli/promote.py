"""``nbgate promote NOTEBOOK --name N --schedule CRON ...``: put a tested notebook on a schedule.

Refuses (exit 4, every unmet condition listed) unless the notebook is
committed, clean and tested at its exact content; see
``nbgate.registry.promote``.
"""

from __future__ import annotations

import argparse
import math

from nbgate.config import Config
from nbgate.registry.promote import promote


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"{text!r}: must be more than 0 seconds")
    return value


def _count(least: int) -> argparse._ActionType:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"{text!r}: must be at least {least}")
        return value

    return parse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate promote``."""
    parser = subparsers.add_parser(
        "promote",
        help="put a tested, clean notebook on a production schedule (a new registry revision)",
        description="Promote NOTEBOOK as schedule NAME. Settings not given are kept from the schedule's "
        "latest revision.",
    )
    parser.add_argument("notebook", help="the .ipynb to promote (committed, unmodified)")
    parser.add_argument(
        "--name", required=True, help="schedule name: a-z, 0-9, '-', '_' (at most 63)"
    )
    parser.add_argument(
        "--schedule",
        metavar="CRON",
        help="5-field cron expression, e.g. '0 6 * * 1-5' (required for a new schedule)",
    )
    parser.add_argument(
        "--timezone", metavar="TZ", help="IANA timezone (default: run.timezone, UTC)"
    )
    parser.add_argument(
        "--param",
        action="append",
        dest="params",
        metavar="NAME=VALUE",
        help="production parameter (repeatable; replaces all kept parameters)",
    )
    parser.add_argument(
        "--owner",
        action="append",
        dest="owners",
        metavar="OWNER",
        help="owner to notify (repeatable; replaces the kept owners)",
    )
    limits = parser.add_mutually_exclusive_group()
    limits.add_argument(
        "--timeout", type=_seconds, metavar="S", help="seconds a run may take (default 3600)"
    )
    limits.add_argument("--no-timeout", action="store_true", help="no whole-run time limit")
    parser.add_argument(
        "--cell-timeout", type=_seconds, metavar="S", help="seconds one cell may take"
    )
    parser.add_argument(
        "--retries", type=_count(0), metavar="N", help="retries after a failed run (default 0)"
    )
    parser.add_argument(
        "--retry-delay", type=_seconds, metavar="S", help="seconds between retries (default 300)"
    )
    parser.add_argument(
        "--concurrency", type=_count(1), metavar="N", help="runs allowed at once (default 1)"
    )
    parser.add_argument(
        "--output",
        dest="output_template",
        metavar="TEMPLATE",
        help="output URI template (default: run.output)",
    )
    parser.add_argument(
        "--run-tests", action="store_true", help="run the smoke test first when evidence is missing"
    )
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    parser.set_defaults(run=_run)


def _run(ns: argparse.Namespace, config: Config) -> int:
    return promote(
        config=config,
        notebook=ns.notebook,
        name=ns.name,
        schedule=ns.schedule,
        timezone=ns.timezone,
        params=ns.params,
        owners=ns.owners,
        timeout=ns.timeout,
        no_timeout=ns.no_timeout,
        cell_timeout=ns.cell_timeout,
        retries=ns.retries,
        retry_delay=ns.retry_delay,
        concurrency=ns.concurrency,
        output_template=ns.output_template,
        run_tests=ns.run_tests,
        yes=ns.yes,
    )
