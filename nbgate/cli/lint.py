"""``nbgate lint [--format text|json|github|sarif] [PATHS...]``: check notebooks against the NBG rules."""

from __future__ import annotations

import argparse

from nbgate.lint.command import lint
from nbgate.lint.files import FORMATS


def _codes(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate lint``."""
    parser = subparsers.add_parser(
        "lint", help="check notebooks for validity, hygiene, scheduling and secrets"
    )
    parser.add_argument(
        "paths", nargs="*", help="notebooks or folders (default: every covered notebook)"
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="text", dest="fmt", help="report format"
    )
    parser.add_argument(
        "--select",
        type=_codes,
        action="append",
        metavar="CODES",
        help="only these rule codes or prefixes, comma-separated (replaces lint.select)",
    )
    parser.add_argument(
        "--ignore",
        type=_codes,
        action="append",
        metavar="CODES",
        help="skip these rule codes or prefixes, comma-separated (replaces lint.ignore)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        dest="output_file",
        help="write the report to FILE instead of standard output",
    )
    parser.add_argument("--list-rules", action="store_true", help="list every rule and exit")
    parser.set_defaults(
        overrides=lambda ns: {
            "lint.select": [c for group in ns.select for c in group] if ns.select else None,
            "lint.ignore": [c for group in ns.ignore for c in group] if ns.ignore else None,
        },
        run=lambda ns, config: lint(
            config=config,
            paths=ns.paths,
            fmt=ns.fmt,
            output_file=ns.output_file,
            show_rules=ns.list_rules,
        ),
    )
