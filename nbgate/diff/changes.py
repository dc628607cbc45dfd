"""``nbgate diff [REF [REF]] [PATHS...]``: nbdime diffs of notebooks for review.

Forms, like ``git diff``: no ref compares the working tree with HEAD; one
ref compares that ref with the working tree; two refs ``A B`` (or ``A..B``)
compare them directly, and ``A...B`` compares B with its merge base with A,
as a pull request does. ``--files X Y`` compares two files anywhere. Refs
come first; the first argument that is not a commit (or that names an
existing path) starts the PATHS that limit the diff.

Only notebooks that git lists as changed are read; a notebook whose bytes
are the same, or whose compared parts (``nbgate.diff.model.view``) are the same,
is settled without importing nbdime. Added, deleted and renamed notebooks
are shown as such; when only a notebook's jupytext twin changed, the twin's
two versions are diffed as notebooks and the entry says so.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from nbgate import git, notebook, output
from nbgate.atomic import atomic_write
from nbgate.config import Config
from nbgate.diff.model import ADDED, DELETED, MODIFIED, RENAMED, SOURCES, TWIN, DiffOptions, FileDiff
from nbgate.errors import FAILED, OK, NotebookError, UsageError
from nbgate.project import is_covered, resolve

FORMATS = ("terminal", "markdown", "json", "html")
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


def changed_entries(repo: Path, old: Side, new: Side, *, direct: bool = True) -> list[tuple[str, str, str | None]]:
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


def changes(repo: Path, config: Config, old: Side, new: Side, *, paths: Sequence[str] = (),
            direct: bool = True, entries: Sequence[tuple[str, str, str | None]] | None = None) -> list[Change]:
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
    listed = {n for _, name, old_name in entries for n in (name, old_name) if n and n.endswith(".ipynb")}
    for letter, name, old_name in entries:
        if name.endswith(".ipynb") or (old_name or "").endswith(".ipynb"):
            status = {"A": ADDED, "C": ADDED, "D": DELETED, "R": RENAMED}.get(letter, MODIFIED)
            if status == RENAMED and not (name.endswith(".ipynb") and (old_name or "").endswith(".ipynb")):
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
    from nbgate.sync.pairing import notebook_path

    owner = notebook_path(repo / text, str(config["sync.format"]), str(config["sync.folder"]))
    if owner is None:
        return None
    try:
        return owner.resolve().relative_to(repo).as_posix()
    except ValueError:
        return None


# ---------------------------------------------------------------- diffing them


def _load(raw: bytes | None, name: str, side: Side) -> notebook.Notebook | None:
    if raw is None:
        return None
    where = name if side.commit is None else f"{side.label}:{name}"
    return notebook.loads(raw, where)


def file_diffs(repo: Path, config: Config, found: Sequence[Change], old: Side, new: Side,
               options: DiffOptions) -> list[FileDiff]:
    """Compute the diff of every changed notebook (nbdime only for those whose views differ)."""
    from nbgate.diff.model import diff_notebooks

    result = []
    for change in found:
        if change.twin is not None:
            result.append(_twin_diff(repo, config, change, old, new, options))
            continue
        old_name = change.old_path or change.path
        before = None if change.status == ADDED else old.read(repo, old_name)
        after = None if change.status == DELETED else new.read(repo, change.path)
        if before is not None and before == after:  # a mode change, or a rename without edits
            if change.status == RENAMED:
                result.append(FileDiff(change.path, RENAMED, None, change.old_path, "content unchanged"))
            continue
        a, b = _load(before, old_name, old), _load(after, change.path, new)
        status = change.status
        if status == MODIFIED and (a is None) != (b is None):
            status = ADDED if a is None else DELETED
        result.append(FileDiff(change.path, status, diff_notebooks(a, b, options), change.old_path))
    return result


def _twin_diff(repo: Path, config: Config, change: Change, old: Side, new: Side, options: DiffOptions) -> FileDiff:
    from nbgate.diff.model import diff_notebooks
    from nbgate.sync.pairing import from_text

    spec = str(config["sync.format"])
    twin = str(change.twin)
    sides = []
    for side in (old, new):
        raw = side.read(repo, twin)
        try:
            sides.append(None if raw is None else from_text(raw.decode("utf-8"), spec))
        except (UnicodeDecodeError, ValueError) as exc:
            raise NotebookError(twin, f"cannot read as {spec}: {exc}") from None
    note = f"only its twin {twin} changed: the .ipynb did not (out of sync? run nbgate sync); cells read from the twin"
    return FileDiff(change.path, TWIN, diff_notebooks(sides[0], sides[1], options), None, note)


# ---------------------------------------------------------------- the command


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
        is_ref = len(refs) < 2 and not Path(item).exists() and (
            ".." in item or _commit(repo, item) is not None)
        if not is_ref:
            return refs, list(arguments[k:])
        refs.append(item)
    return refs, []


def compute(*, config: Config, arguments: Sequence[str] = (), files: Sequence[str] = (),
            options: DiffOptions = SOURCES) -> tuple[list[FileDiff], tuple[str, str]]:
    """The file diffs and the two side labels for ``nbgate diff``'s arguments."""
    from nbgate.diff.model import diff_notebooks

    if files:
        if len(files) != 2:
            raise UsageError("--files takes exactly two notebooks")
        one, two = files
        first, second = notebook.read(one), notebook.read(two)
        if first.raw == second.raw:
            return [], (one, two)
        diff = diff_notebooks(first.nb, second.nb, options)
        return [FileDiff(two, MODIFIED, diff, one if one != two else None)], (one, two)
    repo = git.root(Path.cwd())
    refs, paths = split_arguments(repo, arguments)
    for path in paths:
        if not Path(path).exists() and not path.endswith(".ipynb"):
            raise UsageError(f"{path!r} is neither a commit nor a path")
    old, new, direct = resolve_sides(repo, refs)
    found = changes(repo, config, old, new, paths=paths, direct=direct)
    return file_diffs(repo, config, found, old, new, options), (old.label, new.label)


def diff(*, config: Config, arguments: Sequence[str] = (), files: Sequence[str] = (),
         options: DiffOptions = SOURCES, fmt: str = "terminal", out: str | None = None,
         exit_code: bool = False) -> int:
    """Show notebook diffs in ``fmt``; with ``exit_code``, exit 1 when anything differs."""
    from nbgate.diff.render import Sides, render

    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    found, (old_label, new_label) = compute(config=config, arguments=arguments, files=files, options=options)
    color = out is None and fmt == "terminal" and output.use_color()
    text = render(fmt, found, Sides(old_label, new_label), options, color=color)
    if out is not None:
        atomic_write(out, (text + "\n").encode("utf-8") if text else b"")
        output.echo(f"{sum(1 for f in found if f.shown)} notebook(s) differ; {fmt} diff written to {out}")
    elif text:
        output.result(text)
    if exit_code and any(f.shown for f in found):
        return FAILED
    return OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate diff``."""
    parser = subparsers.add_parser(
        "diff", help="show notebook changes (nbdime) between refs, the working tree or two files",
        description="nbgate diff [REF [REF]] [PATHS...]: no REF = working tree vs HEAD; one REF = REF vs "
                    "working tree; A B or A..B = two commits; A...B = B vs its merge base with A.")
    parser.add_argument("arguments", nargs="*", metavar="REF_OR_PATH",
                        help="up to two commits, then notebooks or folders to limit the diff to")
    parser.add_argument("--files", nargs=2, metavar=("OLD", "NEW"), default=(), help="compare two notebook files")
    parser.add_argument("--outputs", action="store_true", help="also compare outputs and execution counts")
    parser.add_argument("--metadata", action="store_true", help="also compare notebook and cell metadata")
    parser.add_argument("--ids", action="store_true", help="also compare cell ids")
    parser.add_argument("--format", choices=FORMATS, default="terminal", dest="fmt", help="output format")
    parser.add_argument("--out", metavar="FILE", help="write the diff to FILE instead of standard output")
    parser.add_argument("--exit-code", action="store_true", help="exit 1 when there are differences, like git")
    parser.set_defaults(run=lambda ns, config: diff(
        config=config, arguments=ns.arguments, files=ns.files,
        options=DiffOptions(outputs=ns.outputs, metadata=ns.metadata, ids=ns.ids),
        fmt=ns.fmt, out=ns.out, exit_code=ns.exit_code))
