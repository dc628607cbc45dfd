"""What ``nbgate sync`` itself last wrote to each side of a pair, so its own writes never count as edits.

When the sync hook rewrites a twin and the commit is then aborted (by this
or another hook), the twin differs from HEAD although nobody edited it. If
the user then edits the notebook again, both sides differ from HEAD, which
git alone would call a conflict. So every write is recorded here: the
file's path, the inputs (``source_sha256``) written and the HEAD commit at
the time. A side whose inputs are exactly one of those nbgate wrote there
while HEAD was the same commit is nbgate's, not the user's: every such
write, not only the last, because pre-commit rolls a hook's fix back when
it conflicts with unstaged changes, which brings an earlier write back. A
new commit (or a checkout) makes every record stale, so an old record can
never hide an edit.

The records live in the git folder (``git rev-parse --git-path nbgate-sync``,
one small JSON file per path), never in the work tree.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import orjson

from nbgate import git
from nbgate.atomic import atomic_write

FOLDER = "nbgate-sync"


@functools.lru_cache(maxsize=32)
def _folder(repo: Path) -> Path:
    return git.git_path(repo, FOLDER)


def _record_path(folder: Path, relative: str) -> Path:
    return folder / (hashlib.sha256(relative.encode("utf-8")).hexdigest()[:40] + ".json")


def _relative(repo: Path, path: Path) -> str:
    return path.resolve().relative_to(repo).as_posix()


#: Writes remembered per path and HEAD (a few aborted commits in a row; oldest dropped first).
KEEP = 32


def _load(record_path: Path, relative: str, head: str | None) -> list[str]:
    try:
        record = orjson.loads(record_path.read_bytes())
    except (OSError, ValueError):
        return []
    if (
        not isinstance(record, dict)
        or record.get("path") != relative
        or record.get("head") != (head or "")
    ):
        return []
    written = record.get("source_sha256")
    return [sha for sha in written if isinstance(sha, str)] if isinstance(written, list) else []


def remember(repo: Path, head: str | None, path: Path, sha: str) -> None:
    """Record that nbgate wrote inputs ``sha`` to ``path`` while HEAD was ``head``."""
    folder = _folder(repo)
    relative = _relative(repo, path)
    record_path = _record_path(folder, relative)
    written = [
        *[old for old in _load(record_path, relative, head) if old != sha][-(KEEP - 1) :],
        sha,
    ]
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(
        record_path, orjson.dumps({"path": relative, "head": head or "", "source_sha256": written})
    )


def written_by_nbgate(repo: Path, head: str | None, path: Path, sha: str) -> bool:
    """Whether ``path`` holds inputs ``sha`` because nbgate wrote them there since HEAD became ``head``."""
    try:
        relative = _relative(repo, path)
        record_path = _record_path(_folder(repo), relative)
    except (ValueError, git.GitError):
        return False
    return sha in _load(record_path, relative, head)
