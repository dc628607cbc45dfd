"""The gate's stages: each checks a project and returns one row of the summary.

A stage is a function ``(config, paths) -> StageResult`` in the module of
the part it checks. ``STAGES`` lists them in the order ``nbgate gate`` runs
them, by name, so none of those modules is imported until its stage runs.
"""

from __future__ import annotations

import importlib
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
    """A named gate stage: ``target`` is ``"module:function"``, imported only when the stage runs."""

    name: str
    target: str

    def run(self, config: Config, paths: Sequence[str]) -> StageResult:
        """Run the stage's function over ``paths`` (empty: the project's covered notebooks)."""
        module, _, function = self.target.partition(":")
        check: Callable[[Config, Sequence[str]], StageResult] = getattr(importlib.import_module(module), function)
        try:
            return check(config, paths)
        except OSError as exc:  # a read-only project or state folder: the stage fails, naming the path
            where = f"{exc.filename}: " if exc.filename else ""
            return StageResult(self.name, FAIL, f"cannot write or read {where}{exc.strerror or exc}")


STAGES: list[Stage] = [
    Stage("strip", "nbgate.cli.strip:stage"),
    Stage("lint", "nbgate.cli.lint:stage"),
    Stage("sync", "nbgate.cli.sync:gate_stage"),
    Stage("smoke", "nbgate.smoke.stage:smoke_stage"),
    Stage("registry", "nbgate.registry.stage:run"),
]


def stage_named(name: str) -> Stage:
    """The stage called ``name`` (a ``KeyError`` for an unknown one)."""
    for stage in STAGES:
        if stage.name == name:
            return stage
    raise KeyError(name)
