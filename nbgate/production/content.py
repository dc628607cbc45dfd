"""Find the exact promoted notebook: git by blob id or at the recorded commit, or the identical file.

A run executes the bytes that were promoted, not whatever the working tree
holds now: first the recorded blob (any commit holding it, so a squash or
rebase merge does not lose it), then ``git show <commit>:<path>``; its source hash must equal
the revision's ``source_sha256``; when git cannot provide it (no repository,
a shallow clone, a deployment without ``.git``) the working-tree file is used
if, and only if, its source hash matches. Anything else refuses (exit 4).
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from nbgate import git, notebook
from nbgate.errors import GateError, NbgateError
from nbgate.identity import source_sha256
from nbgate.production.spec import RunSpec
from nbgate.registry import content


class Promoted(NamedTuple):
    """The promoted notebook's bytes and where they came from."""

    raw: bytes
    source: str
    path: Path
    note: str | None = None


def _short(sha: str | None) -> str:
    return (sha or "")[:12]


def _from_git(path: Path, spec: RunSpec, reasons: list[str]) -> tuple[bytes | None, str]:
    if not spec.commit and not spec.blob:
        reasons.append("the revision records no commit")
        return None, ""
    try:
        repo = git.root(path)
        inside = path.resolve().relative_to(repo).as_posix()
    except git.NotInRepo:
        reasons.append("the project is not in a git repository")
        return None, ""
    except (NbgateError, ValueError) as exc:
        reasons.append(f"git cannot provide it ({exc})")
        return None, ""
    found = content.find(repo, inside, spec.source_sha256, blob=spec.blob, commit=spec.commit or "")
    reasons += found.reasons
    if found.raw is None:
        return None, ""
    kind, _, oid = found.where.partition(" ")
    return found.raw, f"git:{oid}" if kind == "commit" else f"git-blob:{oid}"


def _worktree_hash(path: Path) -> tuple[notebook.Loaded | None, str]:
    if not path.is_file():
        return None, "the working-tree file is missing"
    try:
        loaded = notebook.read(path)
    except NbgateError as exc:
        return None, f"the working-tree file is unreadable ({exc})"
    return loaded, source_sha256(loaded.nb)


def promoted_content(root: Path, spec: RunSpec) -> Promoted:
    """The promoted bytes of ``spec``'s notebook (relative to the project ``root``), or ``GateError``."""
    path = root / spec.notebook
    reasons: list[str] = []
    raw, source = _from_git(path, spec, reasons)
    loaded, found = _worktree_hash(path)
    if raw is not None:
        note = None
        if loaded is None or found != spec.source_sha256:
            where = (
                f"commit {_short(spec.commit)}"
                if source.startswith("git:")
                else f"blob {_short(spec.blob)}"
            )
            note = (
                f"{spec.notebook} in the working tree differs from the promoted notebook; "
                f"running the promoted content from {where}"
            )
        return Promoted(raw, source, path, note)
    if loaded is not None and found == spec.source_sha256:
        return Promoted(loaded.raw, "worktree", path)
    if loaded is not None:
        reasons.append(f"the working-tree file has drifted (source hash {_short(found)})")
    else:
        reasons.append(found)
    raise GateError(
        f"{spec.name} rev {spec.rev}: refusing to run {spec.notebook}: promoted source hash "
        f"{_short(spec.source_sha256)} not found: " + "; ".join(reasons)
    )
