"""The registry's revisions as ``nbgate run`` needs them.

The registry (``nbgate.registry.store``) is the only source: ``run`` takes
the newest revision (or ``--rev N``) with the schedule's current state.
What ``nbgate export`` takes is in ``nbgate.production.export.jobs``.
"""

from __future__ import annotations

from nbgate.config import Config
from nbgate.production.spec import RunSpec
from nbgate.registry import store
from nbgate.registry.model import Revision


def run_spec(revision: Revision, state: str) -> RunSpec:
    """A revision (and its schedule's current state) as a ``RunSpec``."""
    execution = revision.execution
    return RunSpec(
        name=revision.name,
        rev=revision.rev,
        state=state,
        notebook=revision.notebook,
        source_sha256=revision.source_sha256,
        commit=revision.commit or None,
        parameters=dict(revision.parameters),
        kernel=None,
        timezone=revision.timezone,
        timeout=execution.timeout,
        cell_timeout=execution.cell_timeout,
        retries=execution.retries,
        retry_delay=execution.retry_delay,
        output=revision.output,
        blob=revision.blob,
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
