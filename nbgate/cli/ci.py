"""``nbgate ci``: check the notebooks changed since a base ref and write a review report (see ``nbgate.ci``)."""

from __future__ import annotations

import argparse

from nbgate.ci.command import from_action
from nbgate.ci.inputs import FAIL_ON


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate ci``."""
    parser = subparsers.add_parser(
        "ci", help="check the notebooks changed since a base ref and write a review report"
    )
    parser.add_argument(
        "--base", metavar="REF", help="compare with REF (default: the pull request's base)"
    )
    parser.add_argument(
        "--paths", nargs="+", metavar="PATH", help="only notebooks under these paths"
    )
    parser.add_argument("--no-smoke", action="store_true", help="do not run the smoke tests")
    parser.add_argument(
        "--pytest-args",
        metavar="ARGS",
        help="extra pytest arguments for the smoke tests, one string: --pytest-args='-n 2'",
    )
    parser.add_argument(
        "--fail-on", choices=FAIL_ON, help="fail on errors only (default) or on warnings too"
    )
    parser.add_argument(
        "--report-dir",
        metavar="DIR",
        help="where report.md, diff.html and executed notebooks go (default: .nbgate/ci)",
    )
    parser.set_defaults(
        run=lambda ns, config: from_action(
            config=config,
            base=ns.base,
            paths=ns.paths or (),
            no_smoke=ns.no_smoke,
            pytest_args=ns.pytest_args,
            fail_on=ns.fail_on,
            report_dir=ns.report_dir,
        )
    )
