"""The registry's revisions as ``nbgate run`` and ``nbgate export`` need them.

The registry (``nbgate.registry.store``) is the only source: ``run`` takes
the newest revision (or ``--rev N``) with the schedule's current state, and
``export`` takes the newest revision of every active schedule.
"""

from __future__ import annotations

from nbgate.config import Config
from nbgate.production.spec import RunSpec
from nbgate.production.export import ExportJob
from nbgate.registry import store
from nbgate.registry.model import ACTIVE, Revision


def run_spec(revision: Revision, state: str) -> RunSpec:
    """A revision (and its schedule's current state) as a ``RunSpec``."""
    execution = revision.execution
    return RunSpec(
        name=revision.name, rev=revision.rev, state=state, notebook=revision.notebook,
        source_sha256=revision.source_sha256, commit=revision.commit or None,
        parameters=dict(revision.parameters), kernel=None, timezone=revision.timezone,
        timeout=execution.timeout, cell_timeout=execution.cell_timeout, retries=execution.retries,
        retry_delay=execution.retry_delay, output=revision.output, blob=revision.blob,
    )


def load_run_spec(config: Config, name: str, rev: int | None = None) -> RunSpec:
    """Schedule ``name``'s newest revision, or revision ``rev``, with the schedule's state.

    A paused or retired schedule still yields a spec (its state says so) so
    that the runner can refuse it and record the refusal in the run index.
    ``--rev N`` runs the notebook and settings recorded in revision N; a
    pause or rollback revision repeats those of the revision it applies to.
    """
    schedule = store.load_schedule(config, name)
    revision = schedule.latest if rev is None else schedule.get(rev).revision
    return run_spec(revision, schedule.state)


def export_job(revision: Revision) -> ExportJob:
    """What an engine needs from a revision."""
    execution = revision.execution
    return ExportJob(
        name=revision.name, schedule=revision.schedule, timezone=revision.timezone, retries=execution.retries,
        retry_delay=execution.retry_delay, timeout=execution.timeout, concurrency=execution.concurrency,
        owners=tuple(revision.owners),
    )


def export_jobs(config: Config) -> list[ExportJob]:
    """The newest revision of every active schedule, sorted by name.

    A broken registry fails the export rather than leaving a schedule out,
    since a missing schedule would delete its job from the exported folder.
    """
    jobs = []
    for name in store.list_schedules(config):
        schedule = store.load_schedule(config, name)
        if schedule.state == ACTIVE:
            jobs.append(export_job(schedule.latest))
    return jobs
