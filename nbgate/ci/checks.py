"""``nbgate ci``'s checks: the gate's stages on the changed notebooks, the smoke tests, then the registry.

Every stage of ``nbgate.gate.STAGES`` runs, so stages added later are
picked up; the smoke stage runs through pytest (``nbgate.ci.smoke``, with
the Action's pytest arguments) and the ``registry`` stage runs last, after
the smoke tests have written fresh evidence. The executed notebooks are
found through the evidence ledger and copied into the report folder.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from nbgate import notebook, progress
from nbgate.ci import smoke
from nbgate.ci.schedules import registry_stage, retest_stage, smoke_tested
from nbgate.config import Config
from nbgate.errors import NbgateError
from nbgate.evidence import read_evidence
from nbgate.gate import FAIL, SKIP, STAGES, StageResult
from nbgate.identity import source_sha256
from nbgate.registry.retest import Row


class Outcome(NamedTuple):
    """One row of the results table, with the time it took."""

    result: StageResult
    seconds: float


def _stage(
    name: str,
    run: Callable[[Config, Sequence[str]], StageResult],
    config: Config,
    paths: Sequence[str],
) -> Outcome:
    started = time.perf_counter()
    try:
        result = run(config, paths)
    except NbgateError as exc:
        result = StageResult(name, FAIL, str(exc))
    return Outcome(result, time.perf_counter() - started)


def collect_executed(config: Config, notebooks: Sequence[str], folder: Path) -> list[Path]:
    """Copy the executed copy of each notebook (found through its evidence) into ``folder``."""
    copied = []
    for name in notebooks:
        try:
            record = read_evidence(config, source_sha256(notebook.read(config.root / name).nb))
            if record is None:
                continue
            executed = Path(str(record["output"]["path"]))
        except (NbgateError, OSError, KeyError, TypeError):
            continue
        executed = executed if executed.is_absolute() else config.root / executed
        if executed.is_file():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(executed, target)
            copied.append(target)
    return copied


def run_checks(
    config: Config,
    notebooks: Sequence[str],
    *,
    registry_changed: bool,
    run_smoke: bool,
    pytest_args: Sequence[str],
    folder: Path,
    base: str,
) -> tuple[list[Outcome], tuple[Row, ...]]:
    """Run the gate's stages on ``notebooks``, the smoke tests, then the registry checks against ``base``.

    The registry is verified against the merge base (so no committed revision
    is edited or deleted), and every schedule the change makes runnable is
    re-tested at its exact content (``nbgate.registry.retest``), reusing the
    smoke step's runs of the same identity.
    """
    outcomes: list[Outcome] = []
    late = []
    shown = progress.Progress("nbgate ci", len(STAGES) + int(registry_changed))
    for stage in STAGES:
        if stage.name == "smoke":
            continue  # run below through pytest, with the Action's pytest arguments
        if stage.name == "registry":
            late.append(stage)  # after the smoke tests: it verifies against fresh evidence
        elif notebooks:
            shown.step(f"{stage.name} ({len(notebooks)} notebook(s))")
            outcomes.append(_stage(stage.name, stage.run, config, notebooks))
        else:
            outcomes.append(Outcome(StageResult(stage.name, SKIP, "no changed notebooks"), 0.0))
    started = time.perf_counter()
    smoked = False
    if not run_smoke:
        smoke_result = StageResult("smoke", SKIP, "smoke tests turned off")
    elif not notebooks:
        smoke_result = StageResult("smoke", SKIP, "no changed notebooks")
    else:
        shown.step(f"smoke ({len(notebooks)} notebook(s))")
        smoke_result = smoke.run(config, notebooks, pytest_args, folder)
        executed = folder / "executed"
        if executed.is_dir():
            shutil.rmtree(executed)
        collect_executed(config, notebooks, executed)
        smoked = smoke_result.status != SKIP
    outcomes.append(Outcome(smoke_result, time.perf_counter() - started))
    schedules: tuple[Row, ...] = ()
    for _ in late:
        if notebooks or registry_changed:
            shown.step("registry")
            started = time.perf_counter()
            outcomes.append(Outcome(registry_stage(config, base), time.perf_counter() - started))
        else:
            outcomes.append(
                Outcome(StageResult("registry", SKIP, "no registry or notebook changes"), 0.0)
            )
        if registry_changed:
            shown.step("schedules (re-test)")
            started = time.perf_counter()
            tested = smoke_tested(config, notebooks, folder) if smoked else {}
            result, schedules = retest_stage(
                config, base, folder=folder, tested=tested, pytest_args=pytest_args
            )
            outcomes.append(Outcome(result, time.perf_counter() - started))
    shown.close()
    return outcomes, schedules
