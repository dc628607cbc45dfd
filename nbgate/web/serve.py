"""``nbgate serve``: serve the read-only web view of schedules and runs, or write it as static files.

Binds to 127.0.0.1 unless ``--host`` says otherwise, and says where it
listens. ``--static DIR`` writes the same pages as files instead and exits.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Sequence
from pathlib import Path

from nbgate import output
from nbgate.config import Config
from nbgate.errors import OK, UsageError
from nbgate.web.data import Data
from nbgate.web.pages import Pages
from nbgate.web.static import publish

LOOPBACK = "127.0.0.1"


def _need(modules: Sequence[str]) -> None:
    """``UsageError`` naming the web extra unless every one of ``modules`` can be imported."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as exc:  # the web extra is not installed
            raise UsageError(
                f"nbgate serve needs the web extra: pip install 'nbgate[web]' ({exc})"
            ) from None


def serve(
    *, config: Config, host: str = LOOPBACK, port: int = 8765, static: str | None = None
) -> int:
    """Serve the web view (or write it to ``static``); return the exit code."""
    if static is not None:
        _need(("jinja2",))
        done = publish(Pages(Data(config), static=True), Path(static), progress=output.echo)
        output.result(
            f"wrote {done.written} of {done.pages} files to {static} "
            f"({done.notebooks} output notebooks rendered) in {done.seconds:.1f}s"
        )
        return OK
    if not 0 < port < 65536:
        raise UsageError(f"--port {port}: expected 1-65535")
    _need(("jinja2", "starlette", "uvicorn"))
    import uvicorn

    from nbgate.web.app import create_app  # Starlette, imported only to serve

    pages = Pages(Data(config))
    app = create_app(pages)
    # nbconvert takes seconds to import: pay that while nobody waits for a notebook
    threading.Thread(target=pages.renderer.warm, name="nbgate-warm-nbconvert", daemon=True).start()
    shown = f"[{host}]" if ":" in host else host
    where = (
        f"bound to {host}, so only this machine can connect (--host changes that)"
        if host in (LOOPBACK, "localhost", "::1")
        else f"bound to {host}, so other machines can connect"
    )
    output.result(
        f"nbgate serve: read-only view of {config.root} at http://{shown}:{port}/; {where}; Ctrl-C stops"
    )
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=host, port=port, log_level="warning", access_log=False, server_header=False
        )
    )
    server.run()
    return OK
