"""``nbgate strip``: strip notebooks in place, or with ``check`` list the dirty ones."""

from __future__ import annotations

from collections.abc import Sequence

from nbgate import output
from nbgate.config import Config
from nbgate.errors import FAILED, OK
from nbgate.strip.files import scan


def strip(*, config: Config, paths: Sequence[str] = (), check: bool = False) -> int:
    """Strip notebooks in place, or with ``check`` list the dirty ones. Returns the exit code."""
    statuses = scan(config, paths, write=not check)
    failed = False
    for status in statuses:
        if status.error:
            output.error(status.error)
            failed = True
        elif status.reasons:
            verb = "needs stripping" if check else "stripped"
            output.result(f"{output.shown_path(status.path)}: {verb}: {'; '.join(status.reasons)}")
            failed = failed or check
    if not check:
        changed = sum(1 for s in statuses if s.reasons and not s.error)
        output.echo(f"{changed} of {len(statuses)} notebook(s) stripped")
    # pre-commit treats a changed file as a failure by itself, so `strip` exits 0
    # after fixing files; --check is the read-only gate that exits 1.
    return FAILED if failed else OK
