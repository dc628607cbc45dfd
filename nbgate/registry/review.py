"""What a promotion changes, for the person confirming it: settings and the notebook source diff.

The source diff is nbdime's, through ``nbgate.diff.model`` (outputs, ids and
metadata ignored), rendered like ``nbgate diff``; nbdime is imported only
when the active revision's content differs from the promoted one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbgate import notebook
from nbgate.config import Config
from nbgate.diff.model import MODIFIED, RENAMED, DiffOptions, FileDiff, diff_notebooks
from nbgate.diff.render import Sides, terminal
from nbgate.registry import content, model
from nbgate.registry.model import ExecutionSettings, Revision
from nbgate.registry.promotion import Plan


def source_diff(config: Config, planned: Plan, *, color: bool = False) -> str:
    """The notebook source diff against the active revision ('' for a new schedule or no change)."""
    previous = planned.previous.active if planned.previous else None
    new_nb = planned.assessment.nb
    if (
        previous is None
        or new_nb is None
        or previous.source_sha256 == planned.revision.source_sha256
    ):
        return ""
    old_nb = committed_notebook(config, planned.assessment.repo, previous)
    if old_nb is None:
        return f"(the notebook of revision {previous.rev} is not in this clone at commit {previous.commit[:12]})"
    return notebook_diff(
        old_nb,
        new_nb,
        (previous.notebook, f"revision {previous.rev}"),
        (planned.revision.notebook, f"revision {planned.revision.rev}"),
        color=color,
    )


def notebook_diff(
    old: notebook.Notebook,
    new: notebook.Notebook,
    old_side: tuple[str, str],
    new_side: tuple[str, str],
    *,
    color: bool = False,
) -> str:
    """nbdime's source diff of two notebooks (outputs, ids and metadata ignored), as ``nbgate diff`` shows it.

    ``old_side`` and ``new_side`` are ``(path, label)``.
    """
    found = diff_notebooks(old, new, DiffOptions())
    if not found.changed:
        return ""
    renamed = old_side[0] != new_side[0]
    entry = FileDiff(
        new_side[0], RENAMED if renamed else MODIFIED, found, old_side[0] if renamed else None
    )
    rendered: str = terminal([entry], Sides(old_side[1], new_side[1]), color=color)
    return rendered


def committed_notebook(config: Config, repo: Path, revision: Revision) -> notebook.Notebook | None:
    """A revision's notebook as promoted: by its blob id, else at its recorded commit (None if git has neither)."""
    try:
        inside = content.inside_repo(config.root, repo, revision.notebook)
    except ValueError:
        return None
    return content.find(
        repo, inside, revision.source_sha256, blob=revision.blob, commit=revision.commit
    ).nb


def settings_changes(planned: Plan) -> list[str]:
    """``field: old -> new`` for the settings that differ from the latest revision."""
    if planned.previous is None:
        return []
    old, new = planned.previous.latest, planned.revision
    changes = []
    for key in ("notebook", "schedule", "timezone", "parameters", "execution", "output", "owners"):
        before, after = getattr(old, key), getattr(new, key)
        if before != after:
            changes.append(f"{key}: {_shown(before)!r} -> {_shown(after)!r}")
    if old.state != model.ACTIVE:
        changes.append(f"state: {old.state} -> active")
    return changes


def _shown(value: Any) -> Any:
    if isinstance(value, ExecutionSettings):
        return value.to_dict()
    return list(value) if isinstance(value, tuple) else value
