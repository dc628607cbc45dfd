"""The ``nbgate`` command line: parse arguments, load config, dispatch, map errors.

Each subcommand lives in ``nbgate/cli/<name>.py`` with a ``register``
function; this module builds the parser from ``COMMANDS`` and is the single
place where errors become exit codes (see ``nbgate.errors``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nbgate import __version__, lazyimport, output
from nbgate import config as config_module
from nbgate.errors import INTERRUPTED, OK, UNEXPECTED, USAGE, ConfigError, NbgateError

#: Subcommand modules under ``nbgate.cli``, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = (
    "gate",
    "strip",
    "sync",
    "lint",
    "diff",
    "ci",
    "init",
    "promote",
    "registry",
    "run",
    "runs",
    "export",
    "config",
    "serve",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's own exit code is already 2
        self.print_usage(sys.stderr)
        output.error(message)
        raise SystemExit(USAGE)


_VALUED = frozenset(("--color", "--config", "--set"))


def _command_in(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` names, skipping global options and their values."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _VALUED:
            skip = True
        elif not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser, one subparser per command.

    With ``only``, just that command's module is imported: every command
    module costs start-up time, and hooks run ``nbgate`` on every commit.
    """
    parser = _Parser(
        prog="nbgate", description="A quality gate for notebooks that run in production."
    )
    parser.add_argument("--version", action="version", version=f"nbgate {__version__}")
    _global_options(parser, "")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for name in (only,) if only else COMMANDS:
        importlib.import_module(f"nbgate.cli.{name}").register(subparsers)
    for sub in set(subparsers.choices.values()):
        _global_options(
            sub.add_argument_group("global options (also accepted before the command)"), _LATE
        )
    return parser


_LATE = "late_"  # dest prefix of the global options given after the command


def _global_options(target: Any, prefix: str) -> None:
    """``--color``, ``-q``, ``--config``, ``--set``; after the command they are kept apart and merged."""
    late = bool(prefix)
    target.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        dest=f"{prefix}color",
        default=argparse.SUPPRESS if late else "auto",
        help="colour output",
    )
    target.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        dest=f"{prefix}quiet",
        default=argparse.SUPPRESS if late else False,
        help="print only results and errors",
    )
    target.add_argument(
        "--config",
        metavar="PYPROJECT",
        dest=f"{prefix}config",
        default=argparse.SUPPRESS if late else None,
        help="use this pyproject.toml instead of searching",
    )
    target.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        dest=f"{prefix}settings",
        default=argparse.SUPPRESS if late else [],
        help="override any config option (highest precedence), e.g. --set smoke.timeout=60",
    )


def _merge_late(ns: argparse.Namespace) -> None:
    """Options given after the command win over the same ones before it (``--set`` adds up)."""
    for name in ("color", "quiet", "config"):
        if hasattr(ns, _LATE + name):
            setattr(ns, name, getattr(ns, _LATE + name))
    if hasattr(ns, _LATE + "settings"):
        ns.settings = [*ns.settings, *getattr(ns, _LATE + "settings")]


def _dispatch(ns: argparse.Namespace) -> int:
    _merge_late(ns)
    output.configure(color=ns.color, quiet=ns.quiet)
    overrides: dict[str, Any] = {}
    if hasattr(ns, "overrides"):
        overrides.update({k: v for k, v in ns.overrides(ns).items() if v is not None})
    overrides.update(config_module.parse_assignments(ns.settings))
    start = None
    if hasattr(ns, "project_dir") and ns.project_dir(ns):
        start = Path(ns.project_dir(ns))
        if not start.is_dir():
            raise ConfigError(f"{start}: not a folder")
    config = config_module.load(
        start, pyproject=Path(ns.config) if ns.config else None, overrides=overrides
    )
    for warning in config.warnings:
        output.warn(warning)
    return int(ns.run(ns, config))


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``nbgate`` with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    lazyimport.install()  # nbformat's jsonschema would otherwise build an IRI grammar (1 s) on import
    parser = build_parser(_command_in(args))
    try:
        ns = parser.parse_args(args)
    except SystemExit as exc:
        return int(exc.code or OK) if not isinstance(exc.code, str) else USAGE
    try:
        return _dispatch(ns)
    except NbgateError as exc:
        output.error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt as exc:
        output.error(
            f"interrupted ({exc})" if str(exc) else "interrupted"
        )  # "(SIGTERM)" from nbgate run
        return INTERRUPTED
    except BrokenPipeError:
        return OK
    except Exception:  # noqa: BLE001 - any failure here is reported, not raised
        import traceback  # only here: with linecache and tokenize, a few ms of every start-up

        output.error("unexpected error (a bug in nbgate); please report it with this traceback:")
        traceback.print_exc()
        return UNEXPECTED
