"""The gate's ``sync`` stage: ``sync --check`` over the project."""

from __future__ import annotations

from collections.abc import Sequence

from nbgate.config import Config
from nbgate.gate import FAIL, PASS, SKIP, StageResult
from nbgate.sync.engine import run_pairs
from nbgate.sync.model import IN_SYNC
from nbgate.sync.pairs import find_pairs


def run(config: Config, paths: Sequence[str]) -> StageResult:
    """The gate's ``sync`` stage: ``sync --check`` over the project."""
    if not config["sync.enabled"]:
        return StageResult("sync", SKIP, "sync.enabled = false")
    reports = run_pairs(config, find_pairs(config, paths), check=True)
    bad = [r.message for r in reports if r.status != IN_SYNC]
    if bad:
        return StageResult(
            "sync",
            FAIL,
            f"{len(bad)} of {len(reports)} pair(s) out of sync or missing a twin",
            tuple(bad),
        )
    return StageResult("sync", PASS, f"{len(reports)} pair(s) in sync")
