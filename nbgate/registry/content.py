"""Find a revision's exact notebook content in git: by blob id first, the recorded commit as a hint.

A revision records the notebook's git blob id and the commit it was promoted
on. After a squash or rebase merge that commit is gone from the history, but
the blob is not: main holds the same bytes. So the content is looked up by
blob id (any object this clone holds), then at ``commit:path``; either way
its source hash must equal the revision's ``source_sha256``. What cannot be
found comes back as reasons a person can act on (a shallow clone names
``fetch-depth: 0``), never as an exception.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from nbgate import git, notebook
from nbgate.errors import NbgateError
from nbgate.identity import source_sha256

SHALLOW_HINT = "this clone is shallow: check out with fetch-depth: 0"


class Found(NamedTuple):
    """The content of a revision's notebook, where it came from, or why it was not found."""

    raw: bytes | None
    nb: notebook.Notebook | None
    where: str  # "blob <id>" or "commit <id>", '' when not found
    reasons: tuple[str, ...]


def _check(raw: bytes, label: str, sha: str, reasons: list[str]) -> notebook.Notebook | None:
    try:
        nb = notebook.loads(raw, label)
    except NbgateError as exc:
        reasons.append(str(exc))
        return None
    found = source_sha256(nb)
    if found != sha:
        reasons.append(f"{label} has source_sha256 {found[:12]}, not the revision's {sha[:12]}")
        return None
    return nb


def find(repo: Path, inside: str, sha: str, *, blob: str = "", commit: str = "") -> Found:
    """The notebook ``inside`` (repo-relative) with source hash ``sha``, by ``blob`` then ``commit``."""
    reasons: list[str] = []
    if blob:
        try:
            raw = git.read_blobs(repo, [blob]).get(blob)
        except NbgateError as exc:
            raw = None
            reasons.append(f"git cannot read blob {blob[:12]} ({exc})")
        if raw is not None:
            nb = _check(raw, f"blob {blob[:12]}", sha, reasons)
            if nb is not None:
                return Found(raw, nb, f"blob {blob}", ())
        else:
            reasons.append(f"blob {blob[:12]} of {inside} is not in this clone")
    if commit:
        try:
            raw = git.show(repo, commit, inside)
        except NbgateError as exc:
            raw = None
            reasons.append(f"git cannot read commit {commit[:12]} ({exc})")
        if raw is not None:
            nb = _check(raw, f"{inside} at commit {commit[:12]}", sha, reasons)
            if nb is not None:
                return Found(raw, nb, f"commit {commit}", ())
        else:
            reasons.append(f"{inside} at commit {commit[:12]} is not in this clone's history")
    if not blob and not commit:
        reasons.append("the revision records neither a blob nor a commit")
    try:
        if git.is_shallow(repo):
            reasons.append(SHALLOW_HINT)
    except NbgateError:
        pass
    return Found(None, None, "", tuple(reasons))


def inside_repo(root: Path, repo: Path, relative: str) -> str:
    """``relative`` (to the project root) as a path relative to the repository root."""
    return (root / relative).resolve().relative_to(repo.resolve()).as_posix()
