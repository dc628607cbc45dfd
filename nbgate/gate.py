"""The gate's stages: each checks a project and returns one row of the summary.

A stage is a function ``(config, paths) -> StageResult``. ``STAGES`` lists
them in the order ``nbgate gate`` runs them; each stage of the pipeline adds
itself here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from nbgate.config import Config

PASS = "pass"
FAIL = "fail"
SKIP = "skip"


class StageResult(NamedTuple):
    """One row of the gate summary."""

    name: str
    status: str
    summary: str
    details: tuple[str, ...] = ()


class Stage(NamedTuple):
    """A named gate stage."""

    name: str
    run: Callable[[Config, Sequence[str]], StageResult]


def strip_stage(config: Config, paths: Sequence[str]) -> StageResult:
    """Every covered notebook is strip-clean."""
    from nbgate.commands.strip import scan

    statuses = scan(config, paths, write=False)
    errors = [s.error for s in statuses if s.error]
    dirty = [f"{s.path}: {'; '.join(s.reasons)}" for s in statuses if s.reasons]
    if errors or dirty:
        summary = f"{len(dirty)} of {len(statuses)} need stripping" + (f", {len(errors)} unreadable" if errors else "")
        return StageResult("strip", FAIL, summary, tuple(e for e in errors if e) + tuple(dirty))
    return StageResult("strip", PASS, f"{len(statuses)} notebook(s) clean")


def lint_stage(config: Config, paths: Sequence[str]) -> StageResult:
    """No covered notebook has an error-level lint finding."""
    from nbgate.commands.lint import stage

    return stage(config, paths)


def sync_stage(config: Config, paths: Sequence[str]) -> StageResult:
    """Every covered notebook's jupytext twin holds the same inputs."""
    from nbgate.commands.sync import gate_stage

    return gate_stage(config, paths)


def smoke_stage(config: Config, paths: Sequence[str]) -> StageResult:
    """Every covered notebook smoke-runs green with its test parameters (real kernels)."""
    from nbgate.smoke.stage import smoke_stage as stage

    return stage(config, paths)


def registry_stage(config: Config, paths: Sequence[str]) -> StageResult:
    """The schedule registry verifies (passes when there is no registry folder)."""
    from nbgate.commands.registry import stage

    return stage(config, paths)


STAGES: list[Stage] = [
    Stage("strip", strip_stage),
    Stage("lint", lint_stage),
    Stage("sync", sync_stage),
    Stage("smoke", smoke_stage),
    Stage("registry", registry_stage),
]
