"""The pieces every diff renderer shares: hunks, cell titles, counts and the notes around them.

``hunk_lines`` cuts a cell's tagged source lines into ``diff -u``-like hunks;
the rest is the wording the terminal, markdown and HTML views all use, so
they describe a change the same way. Pure, like the renderers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from nbgate.diff.model import (
    ADDED,
    MODIFIED,
    REMOVED,
    RENAMED,
    TWIN,
    CellDiff,
    FileDiff,
    NotebookDiff,
)

CONTEXT = 3  # unchanged lines shown around a change, as in ``diff -u``


class Hunk(NamedTuple):
    """A run of changed source lines with context; starts are 1-based like ``diff -u``."""

    old_start: int
    old_count: int
    new_start: int
    new_count: int
    lines: tuple[tuple[str, str], ...]


class Sides(NamedTuple):
    """What is compared: labels of the old and new side (``HEAD``, ``working tree``, a file name)."""

    old: str
    new: str


def cell_title(cell: CellDiff) -> str:
    """``cell 3``, ``cell 3 -> 4`` (moved), with positions counted from 1."""
    if cell.status == ADDED:
        return f"cell {_one(cell.new_index)}"
    if cell.status == REMOVED or cell.old_index == cell.new_index:
        return f"cell {_one(cell.old_index)}"
    return f"cell {_one(cell.old_index)} -> {_one(cell.new_index)}"


def _one(index: int | None) -> int:
    return (index or 0) + 1


def counts(file: FileDiff) -> str:
    """``1 cell added, 2 removed, 3 modified`` (only the non-zero parts), or ''."""
    if file.diff is None:
        return ""
    parts = [(file.diff.count(status), status) for status in (ADDED, REMOVED, MODIFIED)]
    words = [f"{n} {status}" for n, status in parts if n]
    if not words:
        return ""
    first = next(n for n, _ in parts if n)
    words[0] = f"{first} {'cell' if first == 1 else 'cells'} {words[0].split(' ', 1)[1]}"
    return ", ".join(words)


def headline(file: FileDiff) -> str:
    """``path`` plus what happened to the file, e.g. ``old.ipynb -> new.ipynb (renamed)``."""
    name = (
        f"{file.old_path} -> {file.path}" if file.status == RENAMED and file.old_path else file.path
    )
    status = {TWIN: "twin changed"}.get(file.status, file.status)
    return f"{name} ({status})"


def hidden_note(files: Sequence[FileDiff]) -> str | None:
    """The note naming the notebooks that changed only in what the diff ignores, or None."""
    quiet = [f for f in files if not f.shown]
    if not quiet:
        return None
    return (
        f"{len(quiet)} notebook(s) changed only in what this diff ignores "
        "(outputs, execution counts, metadata, ids): " + ", ".join(f.path for f in quiet)
    )


def hunk_lines(lines: Sequence[tuple[str, str]], context: int = CONTEXT) -> list[Hunk]:
    """Tagged lines cut into hunks with ``context`` unchanged lines around each change."""
    changed = [k for k, (tag, _) in enumerate(lines) if tag != " "]
    if not changed:
        return []
    spans: list[list[int]] = []
    for k in changed:
        low, high = max(0, k - context), min(len(lines), k + context + 1)
        if spans and low <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], high)
        else:
            spans.append([low, high])
    hunks = []
    for low, high in spans:
        old_start = sum(1 for tag, _ in lines[:low] if tag != "+") + 1
        new_start = sum(1 for tag, _ in lines[:low] if tag != "-") + 1
        part = tuple(lines[low:high])
        old_count = sum(1 for tag, _ in part if tag != "+")
        new_count = sum(1 for tag, _ in part if tag != "-")
        hunks.append(
            Hunk(
                old_start if old_count else old_start - 1,
                old_count,
                new_start if new_count else new_start - 1,
                new_count,
                part,
            )
        )
    return hunks


def cell_hunks(cell: CellDiff) -> tuple[list[Hunk], bool]:
    """The cell's hunks, and whether headers are needed (unchanged lines were left out)."""
    if cell.status != MODIFIED:  # a whole cell added or removed: every line, no header
        return ([Hunk(0, 0, 0, 0, cell.lines)] if cell.lines else []), False
    hunks = hunk_lines(cell.lines)
    return hunks, not (len(hunks) == 1 and len(hunks[0].lines) == len(cell.lines))


def output_summary(diff: NotebookDiff) -> str | None:
    """One line on the outputs of modified cells, or None when none changed."""
    changes = [cell.outputs for cell in diff.cells if cell.outputs is not None]
    if not changes:
        return None
    added = sum(c.added for c in changes)
    removed = sum(c.removed for c in changes)
    modified = sum(c.modified for c in changes)
    kinds: dict[str, None] = {}
    for change in changes:
        for kind in change.kinds:
            kinds.setdefault(kind)
    parts = [
        f"{n} {word}"
        for n, word in ((added, "added"), (removed, "removed"), (modified, "modified"))
        if n
    ]
    return f"outputs changed in {len(changes)} cell(s): {', '.join(parts)} ({', '.join(kinds)})"


def hunk_header(hunk: Hunk) -> str:
    """``@@ -old_start,old_count +new_start,new_count @@`` as in ``diff -u``."""
    return f"@@ -{hunk.old_start},{hunk.old_count} +{hunk.new_start},{hunk.new_count} @@"
