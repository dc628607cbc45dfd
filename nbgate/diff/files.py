"""The diffs of changed notebooks: nbdime only for those whose compared parts differ.

Only notebooks that git lists as changed are read (``nbgate.diff.changes``);
a notebook whose bytes are the same, or whose compared parts
(``nbgate.diff.view``) are the same, is settled without importing nbdime. A
twin-only change diffs the twin's two versions read as notebooks.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nbgate import git, notebook
from nbgate.config import Config
from nbgate.diff.changes import Change, Side, changes, resolve_sides, split_arguments
from nbgate.diff.model import (
    ADDED,
    DELETED,
    MODIFIED,
    RENAMED,
    SOURCES,
    TWIN,
    DiffOptions,
    FileDiff,
    diff_notebooks,
)
from nbgate.errors import NotebookError, UsageError
from nbgate.sync.pairing import from_text


def _load(raw: bytes | None, name: str, side: Side) -> notebook.Notebook | None:
    if raw is None:
        return None
    where = name if side.commit is None else f"{side.label}:{name}"
    return notebook.loads(raw, where)


def file_diffs(
    repo: Path,
    config: Config,
    found: Sequence[Change],
    *,
    old: Side,
    new: Side,
    options: DiffOptions,
) -> list[FileDiff]:
    """Compute the diff of every changed notebook (nbdime only for those whose views differ)."""
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
                result.append(
                    FileDiff(change.path, RENAMED, None, change.old_path, "content unchanged")
                )
            continue
        a, b = _load(before, old_name, old), _load(after, change.path, new)
        status = change.status
        if status == MODIFIED and (a is None) != (b is None):
            status = ADDED if a is None else DELETED
        result.append(FileDiff(change.path, status, diff_notebooks(a, b, options), change.old_path))
    return result


def _twin_diff(  # noqa: PLR0917 - private helper or library override, arguments in order
    repo: Path, config: Config, change: Change, old: Side, new: Side, options: DiffOptions
) -> FileDiff:
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


def compute(
    *,
    config: Config,
    arguments: Sequence[str] = (),
    files: Sequence[str] = (),
    options: DiffOptions = SOURCES,
) -> tuple[list[FileDiff], tuple[str, str]]:
    """The file diffs and the two side labels for ``nbgate diff``'s arguments."""
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
    return file_diffs(repo, config, found, old=old, new=new, options=options), (
        old.label,
        new.label,
    )
