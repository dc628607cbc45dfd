"""Which notebooks differ between two sides (commits, or a commit and the working tree), as git says.

The sides come from ``git diff``-like arguments (``resolve_sides``,
``split_arguments``): no ref compares the working tree with HEAD; one ref
compares that ref with the working tree; two refs ``A B`` (or ``A..B``)
compare them directly, and ``A...B`` compares B with its merge base with
A, as a pull request does. Added, deleted and renamed notebooks are
reported as such; when only a notebook's jupytext twin changed, the entry
names the twin (``Change.twin``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from nbgate import git
from nbgate.config import Config
from nbgate.diff.model import ADDED, DELETED, MODIFIED, RENAMED, TWIN
from nbgate.errors import UsageError
from nbgate.project import is_covered, resolve
from nbgate.sync.pairing import notebook_path

WORKTREE_LABEL = "working tree"


class Side(NamedTuple):
    """One side of a diff: a commit, or the working tree (``commit`` None)."""

    label: str
    commit: str | None

    def read(self, repo: Path, path: str) -> bytes | None:
        """The bytes of ``path`` (repo-relative) on this side; None when it does not exist there."""
        if self.commit is not None:
            return git.show(repo, self.commit, path)
        try:
            return (repo / path).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None


class Change(NamedTuple):
    """A changed notebook as git reports it (paths relative to the repository root).

    ``twin`` is set when only the notebook's text twin changed.
    """

    status: str
    path: str
    old_path: str | None = None
    twin: str | None = None


# ---------------------------------------------------------------- which notebooks changed


def changed_entries(
    repo: Path, old: Side, new: Side, *, direct: bool = True
) -> list[tuple[str, str, str | None]]:
    """git's ``(status, path, old_path)`` for every file that differs (untracked files count as added).

    With ``direct=False`` and two commits, git compares from their merge base.
    """
    if old.commit is None:
        raise UsageError("the old side of a diff must be a commit")
    if new.commit is None:
        entries = git.changed_between(repo, old.commit)
        return entries + [("A", name, None) for name in git.untracked(repo)]
    if direct:  # "A..B" is git's spelling of a direct two-commit diff
        return git.changed_between(repo, f"{old.commit}..{new.commit}")
    return git.changed_between(repo, old.commit, new.commit)


def changes(
    repo: Path,
    config: Config,
    old: Side,
    new: Side,
    *,
    paths: Sequence[str] = (),
    direct: bool = True,
    entries: Sequence[tuple[str, str, str | None]] | None = None,
) -> list[Change]:
    """The covered notebooks that differ between ``old`` and ``new``, limited to ``paths`` when given.

    ``entries`` are ``changed_entries``' result when the caller has it already.
    """
    if entries is None:
        entries = changed_entries(repo, old, new, direct=direct)
    limits = [resolve(Path(p)) for p in paths]

    def wanted(name: str | None) -> bool:
        if name is None:
            return False
        full = resolve(repo / name)
        if limits and not any(full == limit or limit in full.parents for limit in limits):
            return False
        return is_covered(full, config)

    found: dict[str, Change] = {}
    texts: list[str] = []
    # every notebook path git itself reports (either side of a rename): a twin never speaks for those
    listed = {
        n for _, name, old_name in entries for n in (name, old_name) if n and n.endswith(".ipynb")
    }
    for letter, name, old_name in entries:
        if name.endswith(".ipynb") or (old_name or "").endswith(".ipynb"):
            status = {"A": ADDED, "C": ADDED, "D": DELETED, "R": RENAMED}.get(letter, MODIFIED)
            if status == RENAMED and not (
                name.endswith(".ipynb") and (old_name or "").endswith(".ipynb")
            ):
                status = ADDED if name.endswith(".ipynb") else DELETED
                name = name if name.endswith(".ipynb") else str(old_name)
            if wanted(name) or wanted(old_name if status == RENAMED else None):
                found[name] = Change(status, name, old_name if status == RENAMED else None)
        else:
            texts += [name, old_name] if old_name else [name]
    for text in texts:
        owner = _twin_owner(config, repo, text)
        if owner is None or owner in found or owner in listed or not wanted(owner):
            continue
        if new.read(repo, owner) is None and old.read(repo, owner) is None:
            continue  # a text file that happens to look like a twin of no notebook
        found[owner] = Change(TWIN, owner, twin=text)
    return sorted(found.values(), key=lambda c: c.path)


def _twin_owner(config: Config, repo: Path, text: str) -> str | None:
    """The repo-relative notebook ``text`` would be the twin of, if twins are on."""
    if not config["sync.enabled"]:
        return None
    owner = notebook_path(repo / text, str(config["sync.format"]), str(config["sync.folder"]))
    if owner is None:
        return None
    try:
        return owner.resolve().relative_to(repo).as_posix()
    except ValueError:
        return None


# ---------------------------------------------------------------- the two sides


def _commit(repo: Path, ref: str) -> str | None:
    try:
        return git.resolve(repo, ref)
    except git.GitError:
        return None


def resolve_sides(repo: Path, refs: Sequence[str]) -> tuple[Side, Side, bool]:
    """The two sides named by ``refs`` (0, 1 or 2 refs; ``A..B``/``A...B`` count as two) and whether direct."""
    direct = True
    items = list(refs)
    if len(items) == 1 and ".." in items[0]:
        direct = "..." not in items[0]
        first, _, second = items[0].partition("..." if not direct else "..")
        items = [first or "HEAD", second or "HEAD"]
    names = items or ["HEAD"]
    commits = []
    for name in names:
        commit = _commit(repo, name)
        if commit is None:
            raise UsageError(f"{name!r} is not a commit in {repo}")
        commits.append(commit)
    old = Side(names[0], commits[0])
    new = Side(names[1], commits[1]) if len(names) == 2 else Side(WORKTREE_LABEL, None)
    if not direct:
        base = git.merge_base(repo, commits[0], commits[1])
        if base is None:
            raise UsageError(f"{names[0]} and {names[1]} share no history")
        old = Side(f"merge base of {names[0]} and {names[1]}", base)
    return old, new, direct


def split_arguments(repo: Path, arguments: Sequence[str]) -> tuple[list[str], list[str]]:
    """Leading arguments that are commits (at most two) and the paths after them."""
    refs: list[str] = []
    for k, item in enumerate(arguments):
        is_ref = (
            len(refs) < 2
            and not Path(item).exists()
            and (".." in item or _commit(repo, item) is not None)
        )
        if not is_ref:
            return refs, list(arguments[k:])
        refs.append(item)
    return refs, []
