"""``nbgate sync [--check] [--prefer ipynb|text] [PATHS...]``: keep notebooks and their twins in step."""

from __future__ import annotations

import argparse

from nbgate.sync.command import sync


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate sync``."""
    parser = subparsers.add_parser(
        "sync", help="keep notebooks and their jupytext twins holding the same inputs"
    )
    parser.add_argument(
        "paths", nargs="*", help="notebooks, twins or folders (default: every covered notebook)"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 listing pairs out of sync"
    )
    mode.add_argument(
        "--prefer",
        choices=("ipynb", "text"),
        help="this side wins for every pair out of sync (git is not asked; works outside git)",
    )
    parser.add_argument(
        "--hook",
        action="store_true",
        help="pre-commit mode: exit 1 when a file was created or changed, naming what to git add",
    )
    parser.set_defaults(
        run=lambda ns, config: sync(
            config=config, paths=ns.paths, check=ns.check, prefer=ns.prefer, hook=ns.hook
        )
    )
