"""The gate's ``registry`` stage: ``verify`` against a base; passes when there is no registry."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nbgate.config import Config
from nbgate.gate import FAIL, PASS, StageResult
from nbgate.registry import verify as verifier


def run(config: Config, paths: Sequence[str], base: str | None = None) -> StageResult:
    """Verify the registry against ``base`` (default HEAD); passes without a registry.

    ``nbgate ci`` passes the merge base, so committed revisions may not change or vanish in a pull request.
    """
    report = verifier.verify(config, base)
    where = verifier.relative(report.registry, config.root)
    if not report.exists:
        return StageResult("registry", PASS, f"no registry folder ({where})")
    if report.findings:
        details = tuple(
            f"{verifier.relative(Path(f.path), config.root) if f.path else where}: {f.message}"
            for f in report.findings
        )
        return StageResult(
            "registry",
            FAIL,
            f"{len(report.findings)} finding(s) in {report.files} revision file(s)",
            details,
        )
    against = " against the base" if base else ""
    return StageResult(
        "registry",
        PASS,
        f"{report.schedules} schedule(s), {report.files} revision file(s) verified{against}",
    )
