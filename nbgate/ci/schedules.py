"""``nbgate ci``'s registry part: verify against the merge base, re-test the schedules a change makes runnable.

Kept apart from ``nbgate.ci.checks`` (which runs the stages) and ``nbgate.ci.report`` (which writes the
report) so the registry's trust chain can change without touching the rest.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from xml.etree import ElementTree

from nbgate import notebook
from nbgate.config import Config
from nbgate.errors import NbgateError
from nbgate.gate import FAIL, PASS, SKIP, StageResult
from nbgate.identity import source_sha256
from nbgate.registry import retest as retester
from nbgate.registry.stage import run as verify_stage


def registry_stage(config: Config, base: str) -> StageResult:
    """``registry verify`` against ``base`` (the merge base): committed revisions may not change or vanish."""
    return verify_stage(config, (), base)


def _classname(relative: str) -> str:
    """The JUnit ``classname`` pytest gives ``relative::smoke`` (its path with ``/`` as ``.``)."""
    return relative.replace("\\", "/").replace("/", ".")


def smoke_tested(
    config: Config, notebooks: Sequence[str], folder: Path
) -> dict[str, retester.Tested]:
    """The identities the changed-notebooks smoke step executed in this run, from its JUnit report."""
    try:
        tree = ElementTree.parse(folder / "smoke.xml")
    except (OSError, ElementTree.ParseError):
        return {}
    smoke_cases = [case for case in tree.iter("testcase") if case.get("name") == "smoke"]
    found: dict[str, retester.Tested] = {}
    for name in notebooks:
        if not name.endswith(".ipynb"):
            continue
        # pytest names a case from its rootdir, which may sit above the project: match the path's tail
        tail = _classname(name)
        matches = [
            case
            for case in smoke_cases
            if str(case.get("classname")) == tail or str(case.get("classname")).endswith("." + tail)
        ]
        rivals = [
            other for other in notebooks if other != name and _classname(other).endswith(tail)
        ]
        if len(matches) != 1 or rivals:
            continue  # ambiguous or absent: the re-test runs it itself
        case = matches[0]
        names = [name]
        if case.find("skipped") is not None:
            continue
        try:
            sha = source_sha256(notebook.read(config.root / names[0]).nb)
        except (NbgateError, OSError):
            continue
        failed = case.find("failure") is not None or case.find("error") is not None
        executed = folder / "executed" / names[0]
        artifact = (
            os.path.relpath(executed, config.root).replace(os.sep, "/")
            if executed.is_file()
            else ""
        )
        found[sha] = retester.Tested(
            retester.FAILED if failed else retester.PASSED, float(case.get("time") or 0.0), artifact
        )
    return found


def retest_stage(
    config: Config,
    base: str,
    *,
    folder: Path,
    tested: dict[str, retester.Tested],
    pytest_args: Sequence[str],
) -> tuple[StageResult, tuple[retester.Row, ...]]:
    """Re-test every runnable revision added since ``base``: the stage result and the table's rows."""
    try:
        found = retester.retest(config, base, folder=folder, tested=tested, pytest_args=pytest_args)
    except NbgateError as exc:
        return StageResult("schedules", FAIL, str(exc)), ()
    if not found.rows:
        return StageResult("schedules", SKIP, "no revision added"), ()
    runnable = sum(1 for row in found.rows if row.action in retester.RUNNABLE)
    summary = (
        f"{len(found.rows)} revision(s) added, {runnable} runnable; {found.executed} identity(ies) "
        f"smoke-tested here, {len(tested)} reused from the smoke step"
    )
    details = tuple(f"{file}: {problem}" for file, problem in found.findings())
    return StageResult("schedules", FAIL if found.failed else PASS, summary, details), found.rows
