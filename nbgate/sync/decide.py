"""Which side of an out-of-sync pair wins: the one git says changed since HEAD.

Staged or not, untracked counts; a side holding exactly what nbgate last
wrote there (HEAD unchanged) was not edited by the user. Both changed:
a conflict; neither: undecided; outside git (or a twin outside the
notebook's repository): refused.
"""

from __future__ import annotations

import functools
from pathlib import Path

from nbgate import git, notebook
from nbgate.errors import NotebookError
from nbgate.identity import source_sha256
from nbgate.sync import pairing, state
from nbgate.sync.model import CONFLICT, REFUSED_PAIR, UNDECIDED, Loaded
from nbgate.sync.twins import converting


def _side_changed(  # noqa: PLR0917 - private helper or library override, arguments in order
    repo: Path, head: str | None, changed: set[Path], path: Path, sha: str, is_text: bool, spec: str
) -> bool:
    """Whether this side's inputs changed since HEAD (untracked and new files count)."""
    if head is None or path.resolve() not in changed:
        return head is None
    old = git.show(repo, "HEAD", path.resolve().relative_to(repo).as_posix())
    if old is None:
        return True
    try:
        if is_text:
            old_text = old.decode("utf-8")
            old_sha = converting(path, spec, functools.partial(pairing.text_sha256, old_text, spec))
        else:
            old_sha = source_sha256(notebook.loads(old, path))
    except (NotebookError, UnicodeDecodeError):  # whatever HEAD held, it is not what is there now
        return True
    return old_sha != sha


def winners(loaded: list[Loaded], spec: str) -> dict[Path, str]:
    """For each out-of-sync pair: 'ipynb', 'text', CONFLICT, UNDECIDED or REFUSED_PAIR, from git."""
    by_repo: dict[Path, list[Loaded]] = {}
    verdicts: dict[Path, str] = {}
    roots: dict[Path, Path | None] = {}
    for item in loaded:
        folder = item.pair.notebook.resolve().parent
        if folder not in roots:
            try:
                roots[folder] = git.root(folder)
            except git.NotInRepo:
                roots[folder] = None
        repo = roots[folder]
        if repo is None or not item.pair.twin.resolve().is_relative_to(repo):
            verdicts[item.pair.notebook] = REFUSED_PAIR
            continue
        by_repo.setdefault(repo, []).append(item)
    for repo, items in by_repo.items():
        head = git.head(repo)
        changed = git.changed_since_head(repo, [p for item in items for p in item.pair])
        for item in items:
            # a side holding exactly what nbgate last wrote there (HEAD unchanged) was not edited by the user
            nb_changed = _side_changed(
                repo, head, changed, item.pair.notebook, item.nb_sha, False, spec
            ) and not state.written_by_nbgate(repo, head, item.pair.notebook, item.nb_sha)
            text_changed = _side_changed(
                repo, head, changed, item.pair.twin, item.text_sha, True, spec
            ) and not state.written_by_nbgate(repo, head, item.pair.twin, item.text_sha)
            verdicts[item.pair.notebook] = (
                CONFLICT
                if nb_changed and text_changed
                else "ipynb"
                if nb_changed
                else "text"
                if text_changed
                else UNDECIDED
            )
    return verdicts
