"""State changes of a schedule: pause, resume, rollback, retire. Each is a new revision.

A state-change revision repeats the notebook and settings of the revision
it applies to (``source_rev``), so every file is self-contained and ``nbgate
run`` never has to walk the history. Refusals are ``GateError`` (exit 4).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from nbgate import git
from nbgate.config import Config
from nbgate.errors import GateError, NbgateError
from nbgate.evidence import SmokeOutcome
from nbgate.registry import content, promotion, store
from nbgate.registry.model import Revision, RevisionAction, ScheduleState

#: The states from which each action may start.
ALLOWED_FROM = {
    RevisionAction.PAUSE: (ScheduleState.ACTIVE,),
    RevisionAction.RESUME: (ScheduleState.PAUSED,),
    RevisionAction.ROLLBACK: (ScheduleState.ACTIVE, ScheduleState.PAUSED),
    RevisionAction.RETIRE: (ScheduleState.ACTIVE, ScheduleState.PAUSED),
}
#: The actions that only change a schedule's state (a rollback also changes its content).
STATE_CHANGES = (RevisionAction.PAUSE, RevisionAction.RESUME, RevisionAction.RETIRE)


def _next(
    config: Config, schedule: store.Schedule, action: RevisionAction, source: Revision
) -> Revision:
    return dataclasses.replace(
        source,
        rev=len(schedule.files) + 1,
        action=action,
        promoted_by=promotion.who(_repo(config)),
        promoted_at=promotion.utc_now(),
        previous_sha256=schedule.files[-1].sha256,
        source_rev=source.rev,
    )


def _repo(config: Config) -> Path:
    try:
        return git.root(config.root)
    except NbgateError:
        return config.root


def _check_state(schedule: store.Schedule, action: RevisionAction) -> None:
    if schedule.state not in ALLOWED_FROM[action]:
        raise GateError(
            f"cannot {action} schedule {schedule.name!r}: it is {schedule.state} "
            f"(revision {schedule.latest.rev})"
        )


def check(config: Config, name: str, action: str) -> store.Schedule:
    """The schedule, if ``action`` may apply to it now (``GateError`` if its state forbids it)."""
    schedule = store.load_schedule(config, name)
    _check_state(schedule, RevisionAction(action))
    return schedule


def change_state(config: Config, name: str, action: str) -> store.RevisionFile:
    """Pause, resume or retire ``name``: a new revision repeating the latest one."""
    if action not in STATE_CHANGES:
        raise ValueError(f"not a state change: {action!r}")
    change = RevisionAction(action)
    schedule = store.load_schedule(config, name)
    _check_state(schedule, change)
    return store.create_revision(config, _next(config, schedule, change, schedule.latest))


def rollback_problems(config: Config, target: Revision) -> list[str]:
    """Why ``target``'s content may not run again: its evidence no longer matches its notebook."""
    problems = []
    if target.state != ScheduleState.ACTIVE:
        problems.append(
            f"revision {target.rev} is a {target.action}, not a revision that was active"
        )
    recorded = target.evidence
    if (
        recorded.get("source_sha256") != target.source_sha256
        or recorded.get("outcome") != SmokeOutcome.PASSED
    ):
        problems.append(
            f"revision {target.rev}'s recorded evidence is not a passing run of its content"
        )
    repo = _repo(config)
    try:
        inside = content.inside_repo(config.root, repo, target.notebook)
    except ValueError:
        problems.append(f"{target.notebook} is outside the repository")
    else:
        found = content.find(
            repo, inside, target.source_sha256, blob=target.blob, commit=target.commit
        )
        if found.nb is None:
            problems.append(
                f"the promoted content of {target.notebook} (source_sha256 {target.source_sha256[:12]}) "
                f"is not in this clone: {'; '.join(found.reasons)}"
            )
    try:
        latest = promotion.read_evidence(config, target.source_sha256)
    except NbgateError as exc:
        problems.append(f"the evidence ledger for that content is unusable: {exc}")
    else:
        if latest is not None and latest.get("outcome") != SmokeOutcome.PASSED:
            problems.append(
                f"the latest smoke test of that content did not pass (outcome {latest.get('outcome')!r} "
                f"at {latest.get('time')}): re-run it before rolling back"
            )
    return problems


def rollback(config: Config, name: str, to: int) -> store.RevisionFile:
    """Make revision ``to``'s notebook and settings active again, as a new revision."""
    schedule = store.load_schedule(config, name)
    _check_state(schedule, RevisionAction.ROLLBACK)
    target = schedule.get(to).revision
    if to == len(schedule.files):
        raise GateError(f"revision {to} is already the latest revision of {name!r}")
    problems = rollback_problems(config, target)
    if problems:
        lines = [f"refusing to roll {name!r} back to revision {to}:"] + [
            f"  - {p}" for p in problems
        ]
        raise GateError("\n".join(lines))
    return store.create_revision(config, _next(config, schedule, RevisionAction.ROLLBACK, target))
