"""``nbgate runs [NAME] [--status S] [--format table|json] [--limit N]``: list the run index."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from nbgate import output
from nbgate.config import Config
from nbgate.errors import OK

_COLOURS = {"succeeded": "green", "failed": "red", "refused": "yellow", "running": "cyan", "lost": "magenta"}
_STATUSES = ("running", "succeeded", "failed", "refused", "lost")


def _where(uri: str | None) -> str:
    """An output location, relative to the current folder when it is below it."""
    if not uri:
        return ""
    if "://" in uri:
        return uri
    try:
        return os.path.relpath(uri) if Path(uri).resolve().is_relative_to(Path.cwd()) else uri
    except ValueError:
        return uri


def runs(*, config: Config, name: str | None = None, status: str | None = None, fmt: str = "table",
         limit: int | None = 20) -> int:
    """Print runs, newest first; failed runs show their error and their output notebook."""
    from nbgate.production.index import shown_status
    from nbgate.production.runner import run_index

    records = run_index(config).list(name=name, status=status, limit=limit)
    if fmt == "json":
        output.result(json.dumps([record.as_json() for record in records], indent=2))
        return OK
    if not records:
        output.echo("no runs" + (f" of {name}" if name else "") + (f" with status {status}" if status else ""))
        return OK
    rows = []
    for record in records:
        shown = shown_status(record)
        duration = "" if record.duration is None else f"{record.duration:.1f}s"
        rows.append([
            record.started.replace("T", " ")[:19], record.name, "" if record.rev is None else str(record.rev),
            record.date or "", record.run_id, output.style(shown, _COLOURS.get(shown, "dim")), duration,
            _where(record.output), (record.error or "").splitlines()[0][:120] if record.error else "",
        ])
    headers = ["started (UTC)", "name", "rev", "date", "run id", "status", "time", "output", "error"]
    output.result(output.table(headers, rows))
    return OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate runs``."""
    parser = subparsers.add_parser("runs", help="list production runs from the run index")
    parser.add_argument("name", nargs="?", help="only this schedule")
    parser.add_argument("--status", choices=_STATUSES, help="only runs with this status")
    parser.add_argument("--format", dest="fmt", choices=("table", "json"), default="table", help="output format")
    parser.add_argument("--limit", type=int, default=20, metavar="N", help="newest N runs (0 = all; default 20)")
    parser.set_defaults(run=lambda ns, config: runs(
        config=config, name=ns.name, status=ns.status, fmt=ns.fmt, limit=ns.limit or None,
    ))
