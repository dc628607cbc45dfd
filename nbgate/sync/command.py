"""``nbgate sync``: sync pairs (or check them), print what happened, and map it to an exit code."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from nbgate import output
from nbgate.config import Config
from nbgate.errors import FAILED, OK, REFUSED
from nbgate.sync.engine import run_pairs
from nbgate.sync.model import (
    CONFLICT,
    CREATED,
    ERROR,
    FAILURES,
    IN_SYNC,
    REFUSED_PAIR,
    UNDECIDED,
    UPDATED_NOTEBOOK,
    UPDATED_TWIN,
    show,
)
from nbgate.sync.pairs import find_pairs


def sync(
    *,
    config: Config,
    paths: Sequence[str] = (),
    check: bool = False,
    prefer: str | None = None,
    hook: bool = False,
) -> int:
    """Sync notebooks with their twins, or with ``check`` list pairs out of sync. Returns the exit code.

    With ``hook`` (the pre-commit hook), writing any file fails: the commit
    must not land without the file nbgate just created or updated.
    """
    if not config["sync.enabled"]:
        output.echo("sync is disabled (sync.enabled = false)")
        return OK
    reports = run_pairs(config, find_pairs(config, paths), check=check, prefer=prefer)
    for report in reports:
        if report.status in (CONFLICT, UNDECIDED, REFUSED_PAIR, ERROR):
            output.error(report.message)
        elif report.message:
            output.result(report.message)
        if report.diff:
            output.result(_colour_diff(report.diff))
    counts = {
        status: sum(1 for r in reports if r.status == status)
        for status in {r.status for r in reports}
    }
    changed = counts.get(CREATED, 0) + counts.get(UPDATED_TWIN, 0) + counts.get(UPDATED_NOTEBOOK, 0)
    failed = sum(n for status, n in counts.items() if status in FAILURES | {REFUSED_PAIR})
    output.echo(
        f"{len(reports)} pair(s): {counts.get(IN_SYNC, 0)} in sync, "
        + (f"{failed} need syncing" if check else f"{changed} synced, {failed} failed")
    )
    if counts.get(REFUSED_PAIR):
        return REFUSED
    if hook and changed:
        written = [
            r.pair.notebook if r.status == UPDATED_NOTEBOOK else r.pair.twin
            for r in reports
            if r.status in (CREATED, UPDATED_TWIN, UPDATED_NOTEBOOK)
        ]
        output.error(
            f"nbgate sync wrote {len(written)} file(s); stage them and commit again: git add "
            + " ".join(shlex.quote(str(show(path))) for path in written)
        )
        return FAILED
    return FAILED if failed else OK


def _colour_diff(diff: str) -> str:
    colours = {"+": "green", "-": "red", "@": "cyan"}
    return "\n".join(
        output.style(line, colours[line[0]]) if line[:1] in colours else line
        for line in diff.splitlines()
    )
