"""``nbgate promote NOTEBOOK --name N --schedule CRON ...``: put a tested notebook on a schedule.

Refuses (exit 4, every unmet condition listed) unless the notebook is
committed and unmodified, strip-, sync- and lint-clean, has passing evidence
for its exact content, and every production parameter exists in its
parameters cell with its default's type. Writes the next revision file of
the schedule exclusively; see ``nbgate.registry.promotion``.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from nbgate import output
from nbgate.config import Config
from nbgate.errors import OK, UsageError
from nbgate.parameters import split_assignments


def confirm(question: str, yes: bool) -> bool:
    """True if ``yes`` or the user answers yes; ``UsageError`` when there is no terminal to ask on."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError("not a terminal: pass --yes to confirm")
    answer = input(f"{question} [y/N] ").strip().lower()
    return answer in ("y", "yes")


def _run_smoke_test(config: Config, path: Path) -> None:
    import importlib.util

    from nbgate.registry import promotion

    if importlib.util.find_spec("nbgate.plugin") is None:
        output.warn("--run-tests: the nbgate pytest plugin is not installed; cannot run the smoke test")
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
    from nbgate.registry import promotion, review
    from nbgate.evidence import describe_provenance

    request = promotion.Request(
        notebook=Path(notebook), name=name, schedule=schedule, timezone=timezone,
        parameters=split_assignments(params) if params else None,
        owners=tuple(owners) if owners else None, timeout=timeout, cell_timeout=cell_timeout,
        retries=retries, retry_delay=retry_delay, concurrency=concurrency, output=output_template,
        no_timeout=no_timeout,
    )
    assessment = promotion.assess(config, request)
    if run_tests and any(r.code == promotion.NO_EVIDENCE for r in assessment.reasons):
        _run_smoke_test(config, assessment.path)
        assessment = promotion.assess(config, request)
    planned = promotion.plan(config, request, assessment)
    revision = planned.revision
    if planned.unchanged and planned.previous is not None:
        output.result(f"{name!r} is already active at revision {planned.previous.latest.rev} with this content "
                      "and these settings: nothing to promote")
        return OK
    if planned.previous is None:
        output.echo(f"new schedule {name!r}: {revision.notebook} at {revision.schedule!r} ({revision.timezone})")
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
    where = stored.path.relative_to(config.root) if stored.path.is_relative_to(config.root) else stored.path
    output.result(f"promoted {revision.notebook} as {name!r}: revision {revision.rev} ({where})")
    output.echo(f"commit it: git add {where} && git commit -m 'promote {name} rev {revision.rev}'")
    output.echo(f"accepted on local evidence ({describe_provenance(revision.evidence)}); the local ledger is a "
                "cache: the authoritative check is `nbgate ci` on the pull request, which re-tests this exact "
                "content (locally: `nbgate registry verify --retest`)")
    return OK


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"{text!r}: must be more than 0 seconds")
    return value


def _count(least: int) -> argparse._ActionType:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"{text!r}: must be at least {least}")
        return value

    return parse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate promote``."""
    parser = subparsers.add_parser(
        "promote", help="put a tested, clean notebook on a production schedule (a new registry revision)",
        description="Promote NOTEBOOK as schedule NAME. Settings not given are kept from the schedule's "
                    "latest revision.",
    )
    parser.add_argument("notebook", help="the .ipynb to promote (committed, unmodified)")
    parser.add_argument("--name", required=True, help="schedule name: a-z, 0-9, '-', '_' (at most 63)")
    parser.add_argument("--schedule", metavar="CRON", help="5-field cron expression, e.g. '0 6 * * 1-5' "
                        "(required for a new schedule)")
    parser.add_argument("--timezone", metavar="TZ", help="IANA timezone (default: run.timezone, UTC)")
    parser.add_argument("--param", action="append", dest="params", metavar="NAME=VALUE",
                        help="production parameter (repeatable; replaces all kept parameters)")
    parser.add_argument("--owner", action="append", dest="owners", metavar="OWNER",
                        help="owner to notify (repeatable; replaces the kept owners)")
    limits = parser.add_mutually_exclusive_group()
    limits.add_argument("--timeout", type=_seconds, metavar="S", help="seconds a run may take (default 3600)")
    limits.add_argument("--no-timeout", action="store_true", help="no whole-run time limit")
    parser.add_argument("--cell-timeout", type=_seconds, metavar="S", help="seconds one cell may take")
    parser.add_argument("--retries", type=_count(0), metavar="N", help="retries after a failed run (default 0)")
    parser.add_argument("--retry-delay", type=_seconds, metavar="S", help="seconds between retries (default 300)")
    parser.add_argument("--concurrency", type=_count(1), metavar="N", help="runs allowed at once (default 1)")
    parser.add_argument("--output", dest="output_template", metavar="TEMPLATE",
                        help="output URI template (default: run.output)")
    parser.add_argument("--run-tests", action="store_true", help="run the smoke test first when evidence is missing")
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    parser.set_defaults(run=lambda ns, config: promote(
        config=config, notebook=ns.notebook, name=ns.name, schedule=ns.schedule, timezone=ns.timezone,
        params=ns.params, owners=ns.owners, timeout=ns.timeout, no_timeout=ns.no_timeout,
        cell_timeout=ns.cell_timeout, retries=ns.retries, retry_delay=ns.retry_delay,
        concurrency=ns.concurrency, output_template=ns.output_template, run_tests=ns.run_tests, yes=ns.yes,
    ))
