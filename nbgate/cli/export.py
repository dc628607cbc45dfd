"""``nbgate export airflow|k8s|cron [--out DIR] [--check]``: render the active schedules.

The service is ``nbgate.production.export.service``.
"""

from __future__ import annotations

import argparse

from nbgate.production.export import KINDS
from nbgate.production.export.service import export


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate export``."""
    parser = subparsers.add_parser(
        "export", help="render active schedules for Airflow, Kubernetes or cron"
    )
    parser.add_argument("kind", choices=KINDS, help="output format")
    parser.add_argument(
        "--out", metavar="DIR", help="write files to DIR (default: stdout for k8s and cron)"
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if DIR is out of date"
    )
    parser.add_argument(
        "--allow-defaults",
        action="store_true",
        help="render even though export.command/workdir (cron, airflow) or export.image (k8s) "
        "are at their defaults",
    )
    parser.set_defaults(
        run=lambda ns, config: export(
            config=config,
            kind=ns.kind,
            out=ns.out,
            check=ns.check,
            allow_defaults=ns.allow_defaults,
        )
    )
