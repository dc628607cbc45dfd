"""The gate's stages: each checks a project and returns one row of the summary.

A stage is a function ``(config, paths) -> StageResult`` in the module of
the part it checks. ``STAGES`` lists them in the order ``nbgate gate`` runs
them, by name, so none of those modules is imported until its stage runs;
``run_stages`` is ``nbgate gate``: it runs them and prints one summary table.
"""

from __future__ import annotations

import enum
import importlib
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

from nbgate import output, progress
from nbgate.config import Config
from nbgate.errors import FAILED, OK


class StageStatus(enum.StrEnum):
    """How a gate stage ended (the values are what the summary and ``--format json`` show)."""

    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"


# The module-level names are the members themselves, kept for the modules that import them.
PASS = StageStatus.PASS
FAIL = StageStatus.FAIL
SKIP = StageStatus.SKIP


class StageResult(NamedTuple):
    """One row of the gate summary."""

    name: str
    status: StageStatus
    summary: str
    details: tuple[str, ...] = ()


class Stage(NamedTuple):
    """A named gate stage: ``target`` is ``"module:function"``, imported only when the stage runs."""

    name: str
    target: str

    def run(self, config: Config, paths: Sequence[str]) -> StageResult:
        """Run the stage's function over ``paths`` (empty: the project's covered notebooks)."""
        module, _, function = self.target.partition(":")
        check: Callable[[Config, Sequence[str]], StageResult] = getattr(
            importlib.import_module(module), function
        )
        try:
            return check(config, paths)
        except (
            OSError
        ) as exc:  # a read-only project or state folder: the stage fails, naming the path
            where = f"{exc.filename}: " if exc.filename else ""
            return StageResult(
                self.name, StageStatus.FAIL, f"cannot write or read {where}{exc.strerror or exc}"
            )


STAGES: list[Stage] = [
    Stage("strip", "nbgate.strip.stage:run"),
    Stage("lint", "nbgate.lint.stage:run"),
    Stage("sync", "nbgate.sync.stage:run"),
    Stage("smoke", "nbgate.smoke.stage:smoke_stage"),
    Stage("registry", "nbgate.registry.stage:run"),
]


def stage_named(name: str) -> Stage:
    """The stage called ``name`` (a ``KeyError`` for an unknown one)."""
    for stage in STAGES:
        if stage.name == name:
            return stage
    raise KeyError(name)


_MARK = {PASS: ("PASS", "green"), FAIL: ("FAIL", "red"), SKIP: ("skip", "dim")}


def run_stages(
    *, config: Config, paths: Sequence[str] = (), only: Sequence[str] = (), skip: Sequence[str] = ()
) -> int:
    """Run the stages (all, or ``only``, minus ``skip``); print details and a table; exit 1 if one failed."""
    rows = []
    failed = False
    chosen = [
        stage for stage in STAGES if not ((only and stage.name not in only) or stage.name in skip)
    ]
    shown = progress.Progress("nbgate gate", len(chosen))
    for stage in chosen:
        shown.step(stage.name)
        started = time.perf_counter()
        try:
            result = stage.run(config, paths)
        except BaseException:
            shown.close()
            raise
        seconds = time.perf_counter() - started
        failed = failed or result.status == FAIL
        for detail in result.details:
            output.result(f"[{result.name}] {detail}")
        word, colour = _MARK.get(result.status, (result.status, "dim"))
        rows.append([result.name, output.style(word, colour), result.summary, f"{seconds:.2f}s"])
    shown.close()
    output.result("")
    output.result(output.table(["stage", "result", "summary", "time"], rows))
    return FAILED if failed else OK
