"""``nbgate promote``'s gate: every condition a notebook must meet, and the revision it becomes.

``assess`` checks everything and returns *every* unmet condition (so one
refusal lists all of them); ``plan`` turns a clean assessment into the next
``Revision``; ``store.create_revision`` then writes it exclusively. The
checks are the other stages' own (``nbgate.registry.conditions``): git
status, ``strip --check``, the sync and lint gate stages, the evidence
ledger; the parameters cell is checked here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from nbgate import git, notebook, parameters
from nbgate.config import Config
from nbgate.errors import GateError, NotebookError, RegistryError, UsageError
from nbgate.identity import source_sha256
from nbgate.registry import conditions, model, safety, store
from nbgate.registry.conditions import NO_EVIDENCE, Reason, read_evidence
from nbgate.registry.model import ExecutionSettings, Revision

# the conditions' names (``nbgate.registry.conditions``) stay importable from here
__all__ = [
    "NO_EVIDENCE",
    "Assessment",
    "Plan",
    "Reason",
    "Request",
    "assess",
    "commit",
    "plan",
    "prepare",
    "read_evidence",
    "refusal",
    "run_tests_command",
    "utc_now",
    "who",
]


class Request(NamedTuple):
    """What the user asked to promote; ``None`` means "keep the latest revision's value"."""

    notebook: Path
    name: str
    schedule: str | None = None
    timezone: str | None = None
    parameters: dict[str, str] | None = None  # raw --param text
    owners: tuple[str, ...] | None = None
    timeout: float | None = None
    cell_timeout: float | None = None
    retries: int | None = None
    retry_delay: float | None = None
    concurrency: int | None = None
    output: str | None = None
    no_timeout: bool = False


class Assessment(NamedTuple):
    """Everything ``assess`` found out."""

    path: Path
    relative: str  # the notebook relative to the project root, '/'-separated
    repo: Path
    reasons: tuple[Reason, ...]
    sha: str | None
    commit: str | None
    evidence: dict[str, Any] | None
    parameters: dict[str, Any]
    schedule: store.Schedule | None
    nb: notebook.Notebook | None


class Plan(NamedTuple):
    """A promotion ready to write: the revision and what it replaces."""

    revision: Revision
    previous: store.Schedule | None
    assessment: Assessment

    @property
    def unchanged(self) -> bool:
        """True when the schedule is already active with exactly this content and these settings."""
        if self.previous is None or self.previous.state != model.ACTIVE:
            return False
        latest = self.previous.latest
        keys = (
            "notebook",
            "source_sha256",
            "schedule",
            "timezone",
            "parameters",
            "execution",
            "output",
            "owners",
        )
        return all(getattr(latest, k) == getattr(self.revision, k) for k in keys)


def utc_now() -> str:
    """The current UTC time as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return (
        dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    )


def who(repo: Path) -> str:
    """Who is promoting: git's committer identity, else the login name."""
    found = git.identity(repo)
    if found:
        return found
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


def assess(config: Config, request: Request) -> Assessment:
    """Check every promotion condition for ``request``; collect all unmet ones."""
    try:
        model.check_name(request.name)
    except RegistryError as exc:
        raise UsageError(str(exc)) from None
    path, relative, repo = conditions.location(config, request.notebook)
    reasons: list[Reason] = []
    schedule = store.find_schedule(config, request.name)
    if schedule is not None and schedule.state == model.RETIRED:
        reasons.append(
            Reason("retired", f"schedule {request.name!r} is retired; promote under a new name")
        )
    git_reasons = conditions.git_reasons(repo, path)
    reasons += git_reasons
    try:
        nb: notebook.Notebook | None = notebook.read(path).nb
    except NotebookError as exc:
        reasons.append(Reason("unreadable", str(exc)))
        nb = None
    sha = source_sha256(nb) if nb is not None else None
    commit, committed_sha = conditions.head_sha(repo, path)
    if nb is not None and sha is not None:
        if (
            not git_reasons and committed_sha != sha
        ):  # clean in git yet different: a clean/smudge filter
            reasons.append(
                Reason("head", "its content differs from the committed one (a git filter?)")
            )
        reasons += conditions.strip_reasons(config, path)
        reasons += conditions.stage_reasons(config, path, "sync", "run `nbgate sync`")
        reasons += conditions.stage_reasons(config, path, "lint", "fix the lint errors")
        evidence_reasons, evidence = conditions.evidence_reasons(config, sha)
        reasons += evidence_reasons
    else:
        evidence = None
    typed: dict[str, Any] = {}
    if nb is not None:
        typed, problems = _parameters(request, schedule, nb)
        reasons += [Reason("parameters", text) for text in problems]
    return Assessment(
        path, relative, repo, tuple(reasons), sha, commit, evidence, typed, schedule, nb
    )


def _parameters(
    request: Request, schedule: store.Schedule | None, nb: notebook.Notebook
) -> tuple[dict[str, Any], list[str]]:
    """Production parameters typed by the parameters cell (``--param`` text, or the latest revision's).

    ``--param`` text that cannot take its default's type is a usage error
    (``ParameterTypeError``); an undefined name, or a value kept from the
    latest revision that no longer fits the cell, is an unmet condition.
    """
    found = parameters.declared(nb)
    if request.parameters is not None:
        values: dict[str, Any] = dict(request.parameters)
    elif schedule is not None:
        values = dict(schedule.latest.parameters)
    else:
        values = {}
    if request.parameters is None:  # kept from the latest revision: checked, not re-typed
        typed, problems = values, parameters.problems(values, found)
    else:
        undefined = {k: v for k, v in values.items() if found is None or k not in found}
        problems = parameters.problems(undefined, found)
        typed = {
            name: value
            if name in undefined
            else parameters.coerce(name, value, (found or {})[name])
            for name, value in values.items()
        }
    problems += [
        f"parameter {name!r}: {value!r} cannot be stored in a registry file"
        for name, value in typed.items()
        if not parameters.json_safe(value)
    ]
    return typed, problems


def refusal(assessment: Assessment, name: str) -> GateError:
    """The ``GateError`` listing every unmet condition."""
    count = len(assessment.reasons)
    lines = [
        f"refusing to promote {assessment.relative} as {name!r} ({count} unmet condition{'s' * (count != 1)}):"
    ]
    lines += [f"  - {reason.text}" for reason in assessment.reasons]
    return GateError("\n".join(lines))


def _execution(request: Request, previous: Revision | None) -> ExecutionSettings:
    base = previous.execution if previous else ExecutionSettings()
    changes: dict[str, Any] = {
        k: getattr(request, k)
        for k in ("timeout", "cell_timeout", "retries", "retry_delay", "concurrency")
        if getattr(request, k) is not None
    }
    if request.no_timeout:
        changes["timeout"] = None
    execution = dataclasses.replace(base, **changes)
    for key in ("timeout", "cell_timeout"):
        value = getattr(execution, key)
        if value is not None and not value > 0:
            raise UsageError(f"--{key.replace('_', '-')} must be more than 0 seconds")
    if execution.retries < 0 or execution.retry_delay < 0 or execution.concurrency < 1:
        raise UsageError("--retries and --retry-delay must be at least 0, --concurrency at least 1")
    return dataclasses.replace(
        execution,
        timeout=_float(execution.timeout),
        cell_timeout=_float(execution.cell_timeout),
        retry_delay=float(execution.retry_delay),
    )


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def plan(config: Config, request: Request, assessment: Assessment) -> Plan:
    """The next revision for a request whose assessment found nothing unmet."""
    if assessment.reasons:
        raise refusal(assessment, request.name)
    assert (
        assessment.sha is not None
        and assessment.commit is not None
        and assessment.evidence is not None
    )
    schedule = assessment.schedule
    latest = schedule.latest if schedule else None
    cron = request.schedule if request.schedule is not None else latest.schedule if latest else None
    if cron is None:
        raise UsageError(
            f"--schedule is required for a new schedule ({request.name!r} does not exist yet)"
        )
    zone = request.timezone or (latest.timezone if latest else str(config["run.timezone"]))
    try:
        model.check_cron(cron)
        model.check_timezone(zone)
    except RegistryError as exc:
        raise UsageError(str(exc)) from None
    owners = request.owners if request.owners is not None else (latest.owners if latest else ())
    template = request.output if request.output is not None else (latest.output if latest else "")
    problems = safety.owners_errors(tuple(owners)) + (
        [safety.template_error(template) or ""] if template else []
    )
    if any(problems):
        raise UsageError("; ".join(p for p in problems if p))
    revision = Revision(
        name=request.name,
        rev=len(schedule.files) + 1 if schedule else 1,
        action=model.PROMOTE,
        notebook=assessment.relative,
        source_sha256=assessment.sha,
        commit=assessment.commit,
        schedule=cron,
        timezone=zone,
        parameters=assessment.parameters,
        execution=_execution(request, latest),
        output=template,
        owners=tuple(owners),
        evidence=dict(assessment.evidence),
        promoted_by=who(assessment.repo),
        promoted_at=utc_now(),
        previous_sha256=schedule.files[-1].sha256 if schedule else None,
        blob=git.blob_id(
            assessment.repo,
            assessment.commit,
            assessment.path.relative_to(assessment.repo).as_posix(),
        )
        or "",
    )
    return Plan(revision, schedule, assessment)


def prepare(config: Config, request: Request) -> Plan:
    """``assess`` and ``plan`` in one step (raises ``GateError`` listing every unmet condition)."""
    return plan(config, request, assess(config, request))


def commit(config: Config, planned: Plan) -> store.RevisionFile:
    """Write the planned revision exclusively (``RegistryError`` if another promotion won)."""
    return store.create_revision(config, planned.revision)


def run_tests_command(path: Path) -> Sequence[str]:
    """The smoke-test command ``--run-tests`` runs (the pytest plugin on this one notebook)."""
    import sys

    return [sys.executable, "-m", "pytest", "--nbgate", "-p", "no:cacheprovider", "-q", str(path)]
