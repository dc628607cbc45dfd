"""``nbgate diff [REF [REF]] [PATHS...]``: nbdime diffs of notebooks for review.

Forms, like ``git diff`` (see ``nbgate.diff.changes``). Refs come first; the
first argument that is not a commit (or that names an existing path) starts
the PATHS that limit the diff.
"""

from __future__ import annotations

import argparse

from nbgate.diff.command import diff
from nbgate.diff.render import FORMATS
from nbgate.diff.view import DiffOptions


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate diff``."""
    parser = subparsers.add_parser(
        "diff",
        help="show notebook changes (nbdime) between refs, the working tree or two files",
        description="nbgate diff [REF [REF]] [PATHS...]: no REF = working tree vs HEAD; one REF = REF vs "
        "working tree; A B or A..B = two commits; A...B = B vs its merge base with A.",
    )
    parser.add_argument(
        "arguments",
        nargs="*",
        metavar="REF_OR_PATH",
        help="up to two commits, then notebooks or folders to limit the diff to",
    )
    parser.add_argument(
        "--files", nargs=2, metavar=("OLD", "NEW"), default=(), help="compare two notebook files"
    )
    parser.add_argument(
        "--outputs", action="store_true", help="also compare outputs and execution counts"
    )
    parser.add_argument(
        "--metadata", action="store_true", help="also compare notebook and cell metadata"
    )
    parser.add_argument("--ids", action="store_true", help="also compare cell ids")
    parser.add_argument(
        "--format", choices=FORMATS, default="terminal", dest="fmt", help="output format"
    )
    parser.add_argument(
        "--out", metavar="FILE", help="write the diff to FILE instead of standard output"
    )
    parser.add_argument(
        "--exit-code", action="store_true", help="exit 1 when there are differences, like git"
    )
    parser.set_defaults(
        run=lambda ns, config: diff(
            config=config,
            arguments=ns.arguments,
            files=ns.files,
            options=DiffOptions(outputs=ns.outputs, metadata=ns.metadata, ids=ns.ids),
            fmt=ns.fmt,
            out=ns.out,
            exit_code=ns.exit_code,
        )
    )
