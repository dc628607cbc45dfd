"""``nbgate gate [PATH]``: run every gate stage over a project; one summary table (``nbgate.gate``)."""

from __future__ import annotations

import argparse

from nbgate.config import Config
from nbgate.gate import run_stages


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate gate``."""
    parser = subparsers.add_parser(
        "gate", help="run every gate stage over a project and print a summary"
    )
    parser.add_argument("path", nargs="?", help="project folder (default: the current one)")
    parser.add_argument(
        "--only", action="append", default=[], metavar="STAGE", help="run only this stage"
    )
    parser.add_argument(
        "--skip", action="append", default=[], metavar="STAGE", help="skip this stage"
    )
    parser.set_defaults(run=_run, project_dir=lambda ns: ns.path)


def _run(ns: argparse.Namespace, config: Config) -> int:
    return run_stages(config=config, paths=[ns.path] if ns.path else [], only=ns.only, skip=ns.skip)
