"""A schedule's promoted revisions as ``nbgate serve`` shows them: their facts and notebook diffs."""

from __future__ import annotations

import json
from typing import Any

from nbgate.diff.model import ADDED, MODIFIED, FileDiff, diff_notebooks
from nbgate.errors import NbgateError
from nbgate.notebook import loads as load_notebook
from nbgate.registry.model import Revision
from nbgate.registry.store import RevisionFile
from nbgate.web.data import Data
from nbgate.web.pagekit import seconds, when


def revision_row(name: str, stored: RevisionFile) -> dict[str, Any]:
    """A revision's facts as the schedule and revision pages show them."""
    rev: Revision = stored.revision
    evidence = rev.evidence or {}
    bits = [str(evidence.get("outcome", "")), when(str(evidence.get("time", "")))]
    if evidence.get("duration") is not None:
        bits.append(seconds(float(evidence["duration"])))
    return {
        "rev": rev.rev,
        "action": rev.action,
        "source_rev": rev.source_rev,
        "who": rev.promoted_by,
        "when": when(rev.promoted_at),
        "sha": rev.source_sha256[:12],
        "sha_full": rev.source_sha256,
        "file_sha": stored.sha256[:12],
        "evidence": " · ".join(b for b in bits if b) or "none",
        "notebook": rev.notebook,
        "commit": rev.commit[:12],
        "cron": rev.schedule,
        "timezone": rev.timezone,
        "parameters": json.dumps(rev.parameters, sort_keys=True, default=str),
        "href": f"schedules/{name}/rev/{rev.rev}/index.html",
        "diff_label": "first revision" if rev.rev == 1 else f"diff {rev.rev - 1} → {rev.rev}",
    }


class RevisionDiffs:
    """Diffs each revision from the one before it, once per pair of promoted notebooks."""

    def __init__(self, data: Data) -> None:
        self.data = data
        self._cache: dict[tuple[Any, Any], list[FileDiff] | NbgateError] = {}

    def files(self, name: str, rev: int, stored: RevisionFile) -> list[FileDiff]:
        """The diff of ``name``'s revision ``rev`` (``stored``) from the one before it (or nothing)."""
        files = self.data.schedule(name).schedule.files  # type: ignore[union-attr]
        new = stored.revision
        old = files[rev - 2].revision if rev > 1 else None
        # a diff depends only on the two promoted notebooks: schedules sharing them share it
        key = (content_key(old), content_key(new))
        cached = self._cache.get(key)
        if cached is None:
            try:
                cached = self._compute_diff(name, rev, old, new)
            except NbgateError as exc:
                cached = exc
            self._cache[key] = cached
        if isinstance(cached, NbgateError):
            raise cached
        return cached

    def _compute_diff(
        self, name: str, rev: int, old: Revision | None, new: Revision
    ) -> list[FileDiff]:
        new_raw, _ = self.data.notebook(name, rev)
        after = load_notebook(new_raw, f"{name} rev {rev}")
        if old is None:
            return [FileDiff(new.notebook, ADDED, diff_notebooks(None, after))]
        old_raw, _ = self.data.notebook(name, rev - 1)
        before = load_notebook(old_raw, f"{name} rev {rev - 1}")
        renamed = old.notebook if old.notebook != new.notebook else None
        return [FileDiff(new.notebook, MODIFIED, diff_notebooks(before, after), renamed)]


def content_key(revision: Revision | None) -> tuple[str, str, str] | None:
    """What a revision's diff depends on: its notebook's path, commit and hash."""
    return (
        None if revision is None else (revision.notebook, revision.commit, revision.source_sha256)
    )
