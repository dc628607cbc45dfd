"""The registry's revisions as ``nbgate export`` needs them: the newest revision of every active schedule."""

from __future__ import annotations

from nbgate.config import Config
from nbgate.production.export import ExportJob
from nbgate.registry import store
from nbgate.registry.model import ACTIVE, Revision


def export_job(revision: Revision) -> ExportJob:
    """What an engine needs from a revision."""
    execution = revision.execution
    return ExportJob(
        name=revision.name,
        schedule=revision.schedule,
        timezone=revision.timezone,
        retries=execution.retries,
        retry_delay=execution.retry_delay,
        timeout=execution.timeout,
        concurrency=execution.concurrency,
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
