"""``nbgate promote``: put a tested notebook on a schedule, after showing what changes and asking.

Refuses (exit 4, every unmet condition listed) unless the notebook is
committed and unmodified, strip-, sync- and lint-clean, has passing evidence
for its exact content, and every production parameter exists in its
parameters cell with its default's type. Writes the next revision file of
the schedule exclusively. The checks and the writing are
``nbgate.registry.promotion``; this module is the conversation around them.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from nbgate import output
from nbgate.config import Config
from nbgate.errors import OK
from nbgate.evidence import describe_provenance
from nbgate.parameters import split_assignments
from nbgate.registry import promotion, review
from nbgate.registry.ask import confirm


def _run_smoke_test(config: Config, path: Path) -> None:
    if importlib.util.find_spec("nbgate.plugin") is None:
        output.warn(
            "--run-tests: the nbgate pytest plugin is not installed; cannot run the smoke test"
        )
        return
    command = promotion.run_tests_command(path)
    output.echo(f"no evidence yet: running the smoke test ({' '.join(command[2:])})")
    sys.stdout.flush()
    done = subprocess.run(command, cwd=config.root, check=False)
    if done.returncode != 0:
        output.warn(f"the smoke test exited with {done.returncode}")


def promote(
    *,
    config: Config,
    notebook: str,
    name: str,
    schedule: str | None = None,
    timezone: str | None = None,
    params: Sequence[str] | None = None,
    owners: Sequence[str] | None = None,
    timeout: float | None = None,
    no_timeout: bool = False,
    cell_timeout: float | None = None,
    retries: int | None = None,
    retry_delay: float | None = None,
    concurrency: int | None = None,
    output_template: str | None = None,
    run_tests: bool = False,
    yes: bool = False,
) -> int:
    """Promote ``notebook`` as schedule ``name``; settings not given are kept from the latest revision."""
    request = promotion.Request(
        notebook=Path(notebook),
        name=name,
        schedule=schedule,
        timezone=timezone,
        parameters=split_assignments(params) if params else None,
        owners=tuple(owners) if owners else None,
        timeout=timeout,
        cell_timeout=cell_timeout,
        retries=retries,
        retry_delay=retry_delay,
        concurrency=concurrency,
        output=output_template,
        no_timeout=no_timeout,
    )
    assessment = promotion.assess(config, request)
    if run_tests and any(r.code == promotion.NO_EVIDENCE for r in assessment.reasons):
        _run_smoke_test(config, assessment.path)
        assessment = promotion.assess(config, request)
    planned = promotion.plan(config, request, assessment)
    revision = planned.revision
    if planned.unchanged and planned.previous is not None:
        output.result(
            f"{name!r} is already active at revision {planned.previous.latest.rev} with this content "
            "and these settings: nothing to promote"
        )
        return OK
    if planned.previous is None:
        output.echo(
            f"new schedule {name!r}: {revision.notebook} at {revision.schedule!r} ({revision.timezone})"
        )
    for change in review.settings_changes(planned):
        output.echo(f"  {change}")
    diff = review.source_diff(config, planned, color=output.use_color())
    if diff:
        output.echo(diff)
    elif planned.previous is not None:
        output.echo("notebook source unchanged")
    if not confirm(f"promote {revision.notebook} as {name!r} revision {revision.rev}?", yes):
        output.result("not promoted")
        return OK
    stored = promotion.commit(config, planned)
    where = (
        stored.path.relative_to(config.root)
        if stored.path.is_relative_to(config.root)
        else stored.path
    )
    output.result(f"promoted {revision.notebook} as {name!r}: revision {revision.rev} ({where})")
    output.echo(f"commit it: git add {where} && git commit -m 'promote {name} rev {revision.rev}'")
    output.echo(
        f"accepted on local evidence ({describe_provenance(revision.evidence)}); the local ledger is a "
        "cache: the authoritative check is `nbgate ci` on the pull request, which re-tests this exact "
        "content (locally: `nbgate registry verify --retest`)"
    )
    return OK
