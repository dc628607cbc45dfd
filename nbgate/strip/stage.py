"""The gate's ``strip`` stage: every covered notebook is strip-clean."""

from __future__ import annotations

from collections.abc import Sequence

from nbgate import output
from nbgate.config import Config
from nbgate.gate import FAIL, PASS, StageResult
from nbgate.strip.files import scan


def run(config: Config, paths: Sequence[str]) -> StageResult:
    """The gate's strip stage: every covered notebook is strip-clean."""
    statuses = scan(config, paths, write=False)
    errors = [s.error for s in statuses if s.error]
    dirty = [f"{output.shown_path(s.path)}: {'; '.join(s.reasons)}" for s in statuses if s.reasons]
    if errors or dirty:
        summary = f"{len(dirty)} of {len(statuses)} need stripping" + (
            f", {len(errors)} unreadable" if errors else ""
        )
        return StageResult("strip", FAIL, summary, tuple(e for e in errors if e) + tuple(dirty))
    return StageResult("strip", PASS, f"{len(statuses)} notebook(s) clean")
