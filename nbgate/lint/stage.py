"""The gate's ``lint`` stage: fails on any error-level finding; warnings are listed."""

from __future__ import annotations

from collections.abc import Sequence

from nbgate.config import Config
from nbgate.gate import FAIL, PASS, StageResult
from nbgate.lint.files import collect, summary
from nbgate.lint.formats import text_line


def run(config: Config, paths: Sequence[str]) -> StageResult:
    """The gate's ``lint`` stage: fails on any error-level finding; warnings are listed."""
    reported, files = collect(config, paths)
    errors, _, text = summary(reported, files)
    details = tuple(f"{r.finding.severity}: {text_line(r)}" for r in reported)
    return StageResult(
        "lint",
        FAIL if errors else PASS,
        text if reported else f"{files} notebook(s) clean",
        details,
    )
