"""``nbgate serve [--host H] [--port P] [--static DIR]``: a read-only web view of schedules and runs.

Binds to 127.0.0.1 unless ``--host`` says otherwise; the service is
``nbgate.web.serve``.
"""

from __future__ import annotations

import argparse

from nbgate.web.serve import LOOPBACK, serve


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate serve``."""
    parser = subparsers.add_parser(
        "serve", help="read-only web view of schedules, runs and output notebooks"
    )
    parser.add_argument(
        "--host", default=LOOPBACK, help="address to bind (default 127.0.0.1: this machine only)"
    )
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    parser.add_argument(
        "--static", metavar="DIR", help="write the pages as static files to DIR and exit"
    )
    parser.set_defaults(
        run=lambda ns, config: serve(config=config, host=ns.host, port=ns.port, static=ns.static)
    )
