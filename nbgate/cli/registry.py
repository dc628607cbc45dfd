"""``nbgate registry list|show|history|pause|resume|rollback|retire|verify``: the schedule registry.

The services are ``nbgate.registry.schedules`` (list ... rollback) and
``nbgate.registry.report`` (verify, also the ``nbgate-registry`` hook).
"""

from __future__ import annotations

import argparse

from nbgate.registry import schedules
from nbgate.registry.report import FORMATS, verify


def _rev(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a revision number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: revisions start at 1")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate registry`` and its subcommands."""
    parser = subparsers.add_parser(
        "registry",
        help="list, inspect, pause, resume, roll back, retire and verify production schedules",
    )
    commands = parser.add_subparsers(dest="registry_command", metavar="SUBCOMMAND")
    commands.required = True

    sub = commands.add_parser("list", help="every schedule with its state and latest revision")
    sub.set_defaults(run=lambda ns, config: schedules.list_schedules(config=config))

    sub = commands.add_parser("show", help="print a revision file")
    sub.add_argument("name")
    sub.add_argument("--rev", type=_rev, metavar="N", help="revision number (default: the latest)")
    sub.set_defaults(run=lambda ns, config: schedules.show(config=config, name=ns.name, rev=ns.rev))

    sub = commands.add_parser("history", help="every revision of a schedule")
    sub.add_argument("name")
    sub.set_defaults(run=lambda ns, config: schedules.history(config=config, name=ns.name))

    sub = commands.add_parser("pause", help="stop running a schedule (new revision)")
    sub.add_argument("name")
    sub.set_defaults(run=lambda ns, config: schedules.pause(config=config, name=ns.name))

    sub = commands.add_parser("resume", help="run a paused schedule again (new revision)")
    sub.add_argument("name")
    sub.set_defaults(run=lambda ns, config: schedules.resume(config=config, name=ns.name))

    sub = commands.add_parser("retire", help="end a schedule for good (new revision)")
    sub.add_argument("name")
    sub.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    sub.set_defaults(
        run=lambda ns, config: schedules.retire(config=config, name=ns.name, yes=ns.yes)
    )

    sub = commands.add_parser(
        "rollback", help="make an earlier revision's notebook and settings active again"
    )
    sub.add_argument("name")
    sub.add_argument(
        "--to", type=_rev, required=True, metavar="N", help="the revision to return to"
    )
    sub.set_defaults(
        run=lambda ns, config: schedules.rollback(config=config, name=ns.name, to=ns.to)
    )

    sub = commands.add_parser(
        "verify", help="check schemas, the hash chain, immutability and drift (exit 1 on findings)"
    )
    sub.add_argument(
        "--base",
        metavar="REF",
        help="no revision file may have changed since REF's merge base with HEAD (default: HEAD)",
    )
    sub.add_argument("--format", choices=FORMATS, default="text", dest="fmt", help="report format")
    sub.add_argument(
        "--retest",
        action="store_true",
        help="also smoke-test, from git, every promote/resume/rollback "
        "revision added since --base (what `nbgate ci` does)",
    )
    sub.add_argument(
        "--hook",
        action="store_true",
        help="pre-commit mode: verify only when PATHS (the staged "
        "files) or a staged deletion touch the registry, a promoted notebook or its twin",
    )
    sub.add_argument(
        "paths", nargs="*", metavar="PATHS", help="with --hook: the files being committed"
    )
    sub.set_defaults(
        run=lambda ns, config: verify(
            config=config, base=ns.base, fmt=ns.fmt, retest=ns.retest, hook=ns.hook, paths=ns.paths
        )
    )
