"""``nbgate strip [--check] [PATHS...]``: clear outputs, counts and volatile metadata."""

from __future__ import annotations

import argparse

from nbgate.strip.command import strip


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate strip``."""
    parser = subparsers.add_parser(
        "strip", help="clear outputs, execution counts and volatile metadata"
    )
    parser.add_argument(
        "paths", nargs="*", help="notebooks or folders (default: every covered notebook)"
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 listing dirty notebooks"
    )
    parser.add_argument(
        "--keep-outputs", action="store_true", default=None, help="keep all outputs"
    )
    parser.set_defaults(
        overrides=lambda ns: {"strip.keep_outputs": ns.keep_outputs},
        run=lambda ns, config: strip(config=config, paths=ns.paths, check=ns.check),
    )
