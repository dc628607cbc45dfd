"""What git says about notebooks: tracked, changed since HEAD, content at a ref.

Every function runs the real ``git`` binary; a folder outside a repository
raises ``NotInRepo`` (a ``NbgateError``) so callers can refuse rather than guess.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from nbgate.errors import NbgateError


class NotInRepo(NbgateError):
    """The path is not inside a git work tree."""


class GitError(NbgateError):
    """git failed."""


def _git(
    args: Sequence[str], cwd: Path, *, binary: bool = False, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, env=env, check=False)
    if check and done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(
            f"git {' '.join(args)}: {message[-1] if message else f'exit {done.returncode}'}"
        )
    return done


def root(path: Path) -> Path:
    """The work tree root containing ``path`` (a file or folder)."""
    folder = path if path.is_dir() else path.parent
    folder = folder.resolve()
    while not folder.exists():
        folder = folder.parent
    done = _git(["rev-parse", "--show-toplevel"], folder, check=False)
    if done.returncode != 0:
        raise NotInRepo(f"{path}: not inside a git repository")
    return Path(done.stdout.decode().strip()).resolve()


def head(repo: Path) -> str | None:
    """The commit sha of HEAD, or None in a repository without commits."""
    done = _git(["rev-parse", "--verify", "-q", "HEAD"], repo, check=False)
    return done.stdout.decode().strip() or None if done.returncode == 0 else None


def _relative(repo: Path, path: Path) -> str:
    return path.resolve().relative_to(repo).as_posix()


def changed_since_head(repo: Path, paths: Iterable[Path] | None = None) -> set[Path]:
    """Files that differ from HEAD, staged or not, plus untracked ones (absolute paths).

    In a repository without commits every file counts as changed.
    """
    args = ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames"]
    names = [_relative(repo, p) for p in paths] if paths is not None else []
    if paths is not None and not names:
        return set()
    done = _git([*args, "--", *names], repo)
    changed = set()
    for entry in done.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if len(entry) > 3:
            changed.add((repo / entry[3:]).resolve())
    return changed


def is_tracked(repo: Path, path: Path) -> bool:
    """Whether ``path`` is in the index."""
    done = _git(["ls-files", "--error-unmatch", "--", _relative(repo, path)], repo, check=False)
    return done.returncode == 0


def status_of(repo: Path, path: Path) -> str:
    """``clean``, ``untracked``, ``staged``, ``modified`` (unstaged) or ``staged+modified``."""
    if not is_tracked(repo, path):
        return "untracked"
    done = _git(["status", "--porcelain=v1", "-z", "--", _relative(repo, path)], repo)
    entry = done.stdout.decode("utf-8", "surrogateescape").split("\0")[0]
    if not entry:
        return "clean"
    index, worktree = entry[0], entry[1]
    staged = index not in (" ", "?")
    modified = worktree not in (" ", "?")
    return "staged+modified" if staged and modified else "staged" if staged else "modified"


def show(repo: Path, ref: str, path: str) -> bytes | None:
    """The bytes of ``path`` (relative to the repo root) at ``ref``; None if absent there."""
    done = _git(["show", f"{ref}:{path}"], repo, check=False)
    return done.stdout if done.returncode == 0 else None


def blob_id(repo: Path, ref: str, path: str) -> str | None:
    """The blob id of ``path`` (relative to the repo root) at ``ref``; None if absent there."""
    done = _git(["rev-parse", "--verify", "-q", f"{ref}:{path}"], repo, check=False)
    return done.stdout.decode().strip() or None if done.returncode == 0 else None


def is_shallow(repo: Path) -> bool:
    """Whether the clone is shallow (history cut off, as ``actions/checkout`` does by default)."""
    done = _git(["rev-parse", "--is-shallow-repository"], repo, check=False)
    return done.stdout.decode().strip() == "true"


def changed_between(
    repo: Path, base: str, target: str | None = None
) -> list[tuple[str, str, str | None]]:
    """``(status, path, old_path)`` for files changed from ``base`` to ``target``.

    ``target=None`` compares with the working tree. Status letters are git's
    (A, M, D, R); ``old_path`` is set for renames. Uses the merge base, like a
    pull request does, when ``base`` and ``target`` are both refs.
    """
    spec = [f"{base}...{target}"] if target else [base]
    done = _git(["diff", "--name-status", "-z", "-M", *spec], repo)
    fields = done.stdout.decode("utf-8", "surrogateescape").split("\0")
    result: list[tuple[str, str, str | None]] = []
    i = 0
    while i < len(fields) - 1:
        status = fields[i]
        if status.startswith(("R", "C")):
            result.append((status[0], fields[i + 2], fields[i + 1]))
            i += 3
        else:
            result.append((status[0], fields[i + 1], None))
            i += 2
    return result


def resolve(repo: Path, ref: str) -> str:
    """The full commit sha ``ref`` names."""
    return _git(["rev-parse", "--verify", f"{ref}^{{commit}}"], repo).stdout.decode().strip()


def merge_base(repo: Path, a: str, b: str = "HEAD") -> str | None:
    """The best common ancestor of ``a`` and ``b``, or None if they share no history."""
    done = _git(["merge-base", a, b], repo, check=False)
    return done.stdout.decode().strip() or None if done.returncode == 0 else None


def index_blobs(repo: Path) -> dict[str, str]:
    """Every path in the index (relative, ``/``-separated) and its blob id, from one ``ls-files -s``.

    Only stage-0 entries: a path with merge conflicts is left out.
    """
    done = _git(["ls-files", "-s", "-z"], repo)
    blobs: dict[str, str] = {}
    for entry in done.stdout.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, path = entry.partition("\t")
        fields = meta.split(" ")
        if len(fields) == 3 and fields[2] == "0":
            blobs[path] = fields[1]
    return blobs


def read_blobs(repo: Path, oids: Iterable[str]) -> dict[str, bytes]:
    """The contents of many blobs at once (one ``git cat-file --batch``); missing ids are left out."""
    wanted = list(dict.fromkeys(oids))
    if not wanted:
        return {}
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    done = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=repo,
        input="\n".join(wanted).encode() + b"\n",
        capture_output=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise GitError(f"git cat-file --batch: {done.stderr.decode('utf-8', 'replace').strip()}")
    data = done.stdout
    blobs: dict[str, bytes] = {}
    position = 0
    for oid in wanted:
        end = data.index(b"\n", position)
        header = data[position:end].split()
        position = end + 1
        if len(header) != 3:  # "<oid> missing"
            continue
        size = int(header[2])
        blobs[oid] = data[position : position + size]
        position += size + 1
    return blobs


def identity(repo: Path) -> str | None:
    """``Name <email>`` of the committer git would record here, or None if git has none."""
    done = _git(["var", "GIT_COMMITTER_IDENT"], repo, check=False)
    text = done.stdout.decode("utf-8", "replace").strip()
    if done.returncode != 0 or ">" not in text:
        return None
    return text[: text.rindex(">") + 1]


def untracked(repo: Path) -> list[str]:
    """Files git does not track and does not ignore (paths relative to the root, ``/``-separated)."""
    done = _git(["ls-files", "--others", "--exclude-standard", "-z"], repo)
    return [name for name in done.stdout.decode("utf-8", "surrogateescape").split("\0") if name]


def git_path(repo: Path, name: str) -> Path:
    """Where ``name`` lives inside the repository's git folder (per work tree), as ``git rev-parse --git-path``."""
    done = _git(["rev-parse", "--git-path", name], repo)
    return (repo / done.stdout.decode().strip()).resolve()


def deleted_in_index(repo: Path) -> list[Path]:
    """Files the index deletes compared with HEAD (a rename counts as a deletion of the old path)."""
    done = _git(["diff", "--cached", "--name-only", "--no-renames", "--diff-filter=D", "-z"], repo)
    return [
        repo / name for name in done.stdout.decode("utf-8", "surrogateescape").split("\0") if name
    ]
