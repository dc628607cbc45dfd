"""The command-line reference page: ``nbgate --help`` and every command's ``--help``, from the parsers.

Used by the docs site (``tools/docs_hooks.py``, marker ``cli``); it lives
in the CLI package because it is the CLI describing itself.
"""

from __future__ import annotations

import argparse
import re

from nbgate.cli.main import COMMANDS, build_parser


def cli_markdown() -> str:
    """``nbgate --help`` and every command's ``--help``, one section per command."""
    parser = build_parser()
    parts = ["## `nbgate`", "", "```text", _help(parser.format_help()), "```"]
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in COMMANDS:
        sub = subparsers.choices[name]
        parts += ["", f"## `nbgate {name}`", "", "```text", _help(sub.format_help()), "```"]
    return "\n".join(parts)


def _help(text: str) -> str:
    # argparse wraps to the terminal's width: normalise so the page does not depend on where it was built
    return re.sub(r"[ \t]+\n", "\n", text).rstrip()
