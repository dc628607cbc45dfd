"""The schedule registry as people use it: list, show, history, pause, resume, retire, roll back.

Each function takes typed keyword arguments, prints through
``nbgate.output`` and returns an exit code; each state change writes a new
revision file (nothing is edited). ``nbgate registry verify`` is in
``nbgate.registry.report``, the gate's ``registry`` stage in
``nbgate.registry.stage``.
"""

from __future__ import annotations

from nbgate import output
from nbgate.config import Config
from nbgate.errors import FAILED, OK, RegistryError
from nbgate.evidence import describe_provenance
from nbgate.registry import actions, store
from nbgate.registry.ask import confirm
from nbgate.registry.store import RevisionFile
from nbgate.registry.verify import relative

#: A state change and how its result is reported.
CHANGES = {"pause": "paused", "resume": "resumed", "retire": "retired"}


def _where(config: Config, stored: RevisionFile) -> str:
    return relative(stored.path, config.root)


def list_schedules(*, config: Config) -> int:
    """One row per schedule: state, latest revision, notebook, cron, timezone."""
    rows = []
    failed = False
    for name in store.list_schedules(config):
        try:
            schedule = store.load_schedule(config, name)
        except RegistryError as exc:
            output.error(str(exc))
            rows.append([name, output.style("broken", "red"), "", "", "", ""])
            failed = True
            continue
        latest = schedule.latest
        colour = {"active": "green", "paused": "yellow"}.get(schedule.state, "dim")
        rows.append(
            [
                name,
                output.style(schedule.state, colour),
                str(latest.rev),
                latest.notebook,
                latest.schedule,
                latest.timezone,
            ]
        )
    if not rows:
        output.result(f"no schedules in {store.registry_dir(config)}")
    else:
        output.result(
            output.table(["name", "state", "rev", "notebook", "schedule", "timezone"], rows)
        )
    return FAILED if failed else OK


def show(*, config: Config, name: str, rev: int | None = None) -> int:
    """Print a revision file (the latest by default) as stored, and where its evidence came from."""
    schedule = store.load_schedule(config, name)
    stored = schedule.get(rev) if rev is not None else schedule.files[-1]
    output.echo(
        output.style(
            f"# {_where(config, stored)}  (state after it: {stored.revision.state}; "
            f"sha256 {stored.sha256[:12]})",
            "dim",
        )
    )
    output.result(stored.path.read_text(encoding="utf-8").rstrip("\n"))
    output.echo(
        output.style(
            f"# evidence: {stored.revision.evidence.get('outcome')!r}, made by "
            f"{describe_provenance(stored.revision.evidence)}",
            "dim",
        )
    )
    return OK


def history(*, config: Config, name: str) -> int:
    """One row per revision of ``name``, oldest first."""
    schedule = store.load_schedule(config, name)
    rows = [
        [
            str(r.rev),
            r.action + (f" (of {r.source_rev})" if r.source_rev else ""),
            r.state,
            r.source_sha256[:12],
            r.schedule,
            r.promoted_by,
            r.promoted_at,
        ]
        for r in schedule.revisions
    ]
    output.result(output.table(["rev", "action", "state", "source", "schedule", "by", "at"], rows))
    return OK


def change(*, config: Config, name: str, action: str, yes: bool = True) -> int:
    """Pause, resume or retire ``name`` with a new revision (retiring asks first unless ``yes``)."""
    actions.check(config, name, action)  # a bad name or state is reported before asking anything
    if action == "retire" and not confirm(f"retire {name!r} for good (it cannot be resumed)?", yes):
        output.result("not retired")
        return OK

    stored = actions.change_state(config, name, action)
    output.result(
        f"{CHANGES[action]} {name!r}: revision {stored.revision.rev} ({_where(config, stored)})"
    )
    return OK


def pause(*, config: Config, name: str) -> int:
    """Stop running ``name`` (a new ``pause`` revision)."""
    return change(config=config, name=name, action="pause")


def resume(*, config: Config, name: str) -> int:
    """Run a paused ``name`` again (a new ``resume`` revision)."""
    return change(config=config, name=name, action="resume")


def retire(*, config: Config, name: str, yes: bool = False) -> int:
    """End ``name`` for good (a new ``retire`` revision), after asking unless ``yes``."""
    return change(config=config, name=name, action="retire", yes=yes)


def rollback(*, config: Config, name: str, to: int) -> int:
    """Make revision ``to`` active again (its evidence must still match its notebook)."""
    stored = actions.rollback(config, name, to)
    revision = stored.revision
    output.result(
        f"rolled {name!r} back to revision {to} ({revision.source_sha256[:12]}): "
        f"revision {revision.rev} ({_where(config, stored)})"
    )
    return OK
