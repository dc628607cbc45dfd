"""``nbgate config``: show the configuration in effect and its sources (see ``nbgate.config_show``)."""

from __future__ import annotations

import argparse

from nbgate.config_show import show_config


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate config``."""
    parser = subparsers.add_parser(
        "config", help="show the configuration in effect and its sources"
    )
    parser.add_argument("--format", choices=("table", "json"), default="table", dest="fmt")
    parser.add_argument(
        "--reference", action="store_true", help="print the table of every option (Markdown)"
    )
    parser.set_defaults(
        run=lambda ns, config: show_config(config=config, fmt=ns.fmt, reference=ns.reference)
    )
