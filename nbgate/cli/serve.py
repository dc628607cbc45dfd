"""``nbgate serve [--host H] [--port P] [--static DIR]``: a read-only web view of schedules and runs.

Binds to 127.0.0.1 unless ``--host`` says otherwise, and says where it
listens. ``--static DIR`` writes the same pages as files instead and exits.
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from nbgate import output
from nbgate.config import Config
from nbgate.errors import OK, UsageError

LOOPBACK = "127.0.0.1"


def serve(*, config: Config, host: str = LOOPBACK, port: int = 8765, static: str | None = None) -> int:
    """Serve the web view (or write it to ``static``); return the exit code."""
    try:
        from nbgate.web.data import Data
        from nbgate.web.pages import Pages
    except ImportError as exc:  # the web extra is not installed
        raise UsageError(f"nbgate serve needs the web extra: pip install 'nbgate[web]' ({exc})") from None
    if static is not None:
        from nbgate.web.static import publish

        done = publish(Pages(Data(config), static=True), Path(static), progress=output.echo)
        output.result(f"wrote {done.written} of {done.pages} files to {static} "
                      f"({done.notebooks} output notebooks rendered) in {done.seconds:.1f}s")
        return OK
    if not 0 < port < 65536:
        raise UsageError(f"--port {port}: expected 1-65535")
    import uvicorn

    from nbgate.web.app import create_app

    pages = Pages(Data(config))
    app = create_app(pages)
    # nbconvert takes seconds to import: pay that while nobody waits for a notebook
    threading.Thread(target=pages.renderer.warm, name="nbgate-warm-nbconvert", daemon=True).start()
    shown = f"[{host}]" if ":" in host else host
    where = (f"bound to {host}, so only this machine can connect (--host changes that)"
             if host in (LOOPBACK, "localhost", "::1") else f"bound to {host}, so other machines can connect")
    output.result(f"nbgate serve: read-only view of {config.root} at http://{shown}:{port}/; {where}; Ctrl-C stops")
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                                           server_header=False))
    server.run()
    return OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate serve``."""
    parser = subparsers.add_parser("serve", help="read-only web view of schedules, runs and output notebooks")
    parser.add_argument("--host", default=LOOPBACK, help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    parser.add_argument("--static", metavar="DIR", help="write the pages as static files to DIR and exit")
    parser.set_defaults(run=lambda ns, config: serve(config=config, host=ns.host, port=ns.port, static=ns.static))
