"""Notebook diffs for review: what nbdime says changed, as plain records.

``diff_notebooks(a, b, options)`` hands nbdime a *view* of each notebook
holding only what the reviewer asked to see: sources, cell types, tags and
attachments always; outputs and execution counts with ``outputs``; all
metadata with ``metadata``. Cell ids stay in the view so that nbdime can
align cells by id, but id changes are reported only with ``ids``. Handing
nbdime less is what makes the default (sources) diff fast: nbdime's cell
alignment otherwise compares every output of every cell, and its renderer
shells out to ``git diff`` once per changed string.

The result (``NotebookDiff``) keeps nbdime's own diff (for ``--format
json``) next to a cell-by-cell reading of it (for the other renderers in
``nbgate.diff.render``). Nothing here reads files or prints.

nbdime is driven by ``nbgate.diff.align``, which imports nbdime only when
a diff is computed; callers first compare ``view``s (``nbgate.diff.view``,
re-exported here), which needs no nbdime at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from nbgate.diff.align import nbdime_diff
from nbgate.diff.view import SOURCES, DiffOptions, same, view
from nbgate.notebook import Notebook
from nbgate.notebook import text as notebook_text

__all__ = [
    "ADDED",
    "DELETED",
    "EMPTY",
    "MODIFIED",
    "REMOVED",
    "RENAMED",
    "SOURCES",
    "TWIN",
    "CellDiff",
    "DiffOptions",
    "FileDiff",
    "NotebookDiff",
    "OutputChange",
    "describe_outputs",
    "diff_notebooks",
    "output_kind",
    "same",
    "view",
]

ADDED = "added"
REMOVED = "removed"
MODIFIED = "modified"


class OutputChange(NamedTuple):
    """How one cell's outputs changed: counts and the kinds of output involved."""

    added: int
    removed: int
    modified: int
    kinds: tuple[str, ...]


class CellDiff(NamedTuple):
    """One added, removed or modified cell (indices are 0-based positions in each notebook)."""

    status: str
    old_index: int | None
    new_index: int | None
    cell_type: str
    lines: tuple[
        tuple[str, str], ...
    ]  # every source line, tagged " ", "-" or "+" (without its newline)
    details: tuple[str, ...] = ()
    outputs: OutputChange | None = None

    @property
    def source_changed(self) -> bool:
        """Whether any source line was added or removed."""
        return any(tag != " " for tag, _ in self.lines)


class NotebookDiff(NamedTuple):
    """Everything that changed between two notebooks, as asked for by ``DiffOptions``."""

    cells: tuple[CellDiff, ...]
    metadata: tuple[str, ...]  # notebook-level changes, one phrase each
    nbdime: list[Any]  # nbdime's diff of the two views (JSON-serialisable)
    old_cells: int
    new_cells: int

    @property
    def changed(self) -> bool:
        """Whether anything shown changed."""
        return bool(self.cells or self.metadata)

    def count(self, status: str) -> int:
        """How many cells have ``status`` (added, removed or modified)."""
        return sum(1 for cell in self.cells if cell.status == status)


EMPTY: Notebook = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def diff_notebooks(
    a: Notebook | None, b: Notebook | None, options: DiffOptions = SOURCES
) -> NotebookDiff:
    """The diff from ``a`` to ``b``; ``None`` stands for a notebook that does not exist (added or deleted)."""
    a = EMPTY if a is None else a
    b = EMPTY if b is None else b
    cells_a, cells_b = a.get("cells", []), b.get("cells", [])
    if same(a, b, options):
        return NotebookDiff((), (), [], len(cells_a), len(cells_b))
    raw = nbdime_diff(a, b, options)
    cells: tuple[CellDiff, ...] = ()
    metadata: list[str] = []
    for entry in raw:
        if entry["key"] == "cells" and entry["op"] == "patch":
            cells = tuple(_cell_changes(cells_a, cells_b, entry["diff"], options))
        elif entry["key"] == "metadata":
            metadata.extend(_mapping_changes("metadata", entry))
        else:
            metadata.append(f"{entry['key']} changed")
    return NotebookDiff(cells, tuple(metadata), raw, len(cells_a), len(cells_b))


# ---------------------------------------------------------------- reading nbdime's diff


def _grouped(entries: Iterable[Any]) -> list[tuple[int, list[Any]]]:
    """Sequence diff entries grouped by key, in order (nbdime sorts them by key)."""
    groups: dict[int, list[Any]] = {}
    for entry in entries:
        groups.setdefault(int(entry["key"]), []).append(entry)
    return sorted(groups.items())


def _cell_changes(
    cells_a: Sequence[Any], cells_b: Sequence[Any], entries: Sequence[Any], options: DiffOptions
) -> list[CellDiff]:
    changes: list[CellDiff] = []
    i = j = 0
    for key, group in _grouped(entries):
        j += key - i
        i = key
        for entry in (e for e in group if e["op"] == "removerange"):
            for _ in range(entry["length"]):
                changes.append(_whole_cell(REMOVED, cells_a[i], i, None, options))
                i += 1
        for entry in (e for e in group if e["op"] == "addrange"):
            for _ in entry["valuelist"]:
                changes.append(_whole_cell(ADDED, cells_b[j], None, j, options))
                j += 1
        for entry in (e for e in group if e["op"] == "patch"):
            changes.append(_modified_cell(cells_a[i], cells_b[j], i, j, entry["diff"]))
            i += 1
            j += 1
    return changes


def _whole_cell(
    status: str, cell: Any, old: int | None, new: int | None, options: DiffOptions
) -> CellDiff:
    tag = "-" if status == REMOVED else "+"
    lines = tuple((tag, line) for line in notebook_text(cell.get("source", "")).splitlines())
    details = [] if lines else ["empty cell"]
    outputs = cell.get("outputs") or []
    if options.outputs and outputs:
        kinds = _kinds(outputs)
        details.append(f"{len(outputs)} output(s): {', '.join(kinds)}")
    tags = (cell.get("metadata") or {}).get("tags")
    if tags:
        details.append(f"tags: {', '.join(map(str, tags))}")
    return CellDiff(status, old, new, str(cell.get("cell_type", "code")), lines, tuple(details))


def _modified_cell(cell_a: Any, cell_b: Any, i: int, j: int, entries: Sequence[Any]) -> CellDiff:
    lines: tuple[tuple[str, str], ...] = ()
    details: list[str] = []
    outputs: OutputChange | None = None
    for entry in sorted(entries, key=lambda e: str(e["key"])):
        key = entry["key"]
        if key == "source":
            old = notebook_text(cell_a.get("source", ""))
            new = notebook_text(cell_b.get("source", ""))
            lines = tuple(_source_lines(old, new, entry.get("diff", [])))
        elif key == "outputs" and entry["op"] == "patch":
            outputs = _output_change(cell_a.get("outputs") or [], entry["diff"])
            details.append(describe_outputs(outputs))
        elif key == "metadata":
            details.extend(_mapping_changes("metadata", entry))
        elif key == "attachments":
            details.extend(_mapping_changes("attachments", entry))
        elif entry["op"] == "replace":
            label = {"execution_count": "execution count", "cell_type": "cell type"}.get(key, key)
            details.append(f"{label}: {_short(cell_a.get(key))} -> {_short(entry['value'])}")
        else:
            details.append(f"{key} changed")
    cell_type = str(cell_b.get("cell_type", "code"))
    return CellDiff(MODIFIED, i, j, cell_type, lines, tuple(details), outputs)


def _short(value: Any) -> str:
    text = "none" if value is None else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _mapping_changes(label: str, entry: Any) -> list[str]:
    """``metadata: +tags, -collapsed, ~jupyter`` for a dict diff entry."""
    if entry["op"] != "patch":
        return [
            f"{label} {'added' if entry['op'] == 'add' else 'removed' if entry['op'] == 'remove' else 'replaced'}"
        ]
    marks = {"add": "+", "remove": "-", "replace": "~", "patch": "~"}
    keys = [
        f"{marks.get(e['op'], '~')}{e['key']}"
        for e in sorted(entry["diff"], key=lambda e: str(e["key"]))
    ]
    return [f"{label}: {', '.join(keys)}"]


def _source_lines(old: str, new: str, entries: Sequence[Any]) -> list[tuple[str, str]]:
    """Every line of the cell tagged `` ``, ``-`` or ``+``, following nbdime's line diff.

    Within a changed block the removed lines come first, as in ``git diff``.
    """
    a, b = old.splitlines(), new.splitlines()
    lines: list[tuple[str, str]] = []
    minus: list[tuple[str, str]] = []
    plus: list[tuple[str, str]] = []

    def flush() -> None:
        lines.extend(minus)
        lines.extend(plus)
        minus.clear()
        plus.clear()

    i = j = 0
    for key, group in _grouped(entries):
        if key > i:
            flush()
            lines.extend((" ", line) for line in a[i:key])
            j += key - i
            i = key
        for entry in group:
            if entry["op"] == "removerange":
                minus.extend(("-", line) for line in a[i : i + entry["length"]])
                i += entry["length"]
        for entry in group:
            if entry["op"] == "addrange":
                plus.extend(("+", line) for line in b[j : j + len(entry["valuelist"])])
                j += len(entry["valuelist"])
        for entry in group:
            if entry["op"] == "patch":  # a line edited in place: nbdime diffed its characters
                minus.append(("-", a[i]))
                plus.append(("+", b[j]))
                i += 1
                j += 1
    flush()
    lines.extend((" ", line) for line in a[i:])
    return lines


# ---------------------------------------------------------------- outputs


def output_kind(output: Any) -> str:
    """A short name for an output: ``stream``, ``error`` or its richest MIME type."""
    kind = str(output.get("output_type", "?"))
    if kind in ("stream", "error"):
        return kind
    data = output.get("data") or {}
    for mime in (
        "image/png",
        "image/jpeg",
        "image/svg+xml",
        "text/html",
        "text/markdown",
        "application/json",
        "text/latex",
    ):
        if mime in data:
            return mime
    return "text/plain" if "text/plain" in data else next(iter(sorted(data)), kind)


def _kinds(outputs: Iterable[Any]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for output in outputs:
        seen.setdefault(output_kind(output))
    return tuple(seen)


def _output_change(outputs_a: Sequence[Any], entries: Sequence[Any]) -> OutputChange:
    added = removed = modified = 0
    involved: list[Any] = []
    for entry in entries:
        if entry["op"] == "addrange":
            added += len(entry["valuelist"])
            involved.extend(entry["valuelist"])
        elif entry["op"] == "removerange":
            removed += entry["length"]
            involved.extend(outputs_a[entry["key"] : entry["key"] + entry["length"]])
        elif entry["op"] == "patch":
            modified += 1
            involved.append(outputs_a[entry["key"]])
    return OutputChange(added, removed, modified, _kinds(involved))


def describe_outputs(change: OutputChange) -> str:
    """``outputs: 1 added, 2 modified (image/png, stream)``."""
    parts = [
        f"{n} {word}"
        for n, word in (
            (change.added, "added"),
            (change.removed, "removed"),
            (change.modified, "modified"),
        )
        if n
    ]
    kinds = f" ({', '.join(change.kinds)})" if change.kinds else ""
    return f"outputs: {', '.join(parts) or 'changed'}{kinds}"


# ---------------------------------------------------------------- files


RENAMED = "renamed"
DELETED = "deleted"
TWIN = "twin"


class FileDiff(NamedTuple):
    """One notebook in a diff between two sides (two refs, a ref and the work tree, two files).

    ``status`` is added, deleted, modified, renamed (``old_path`` set) or
    twin: the notebook's text twin changed but the ``.ipynb`` did not, and
    ``diff`` then compares the twin's two versions read as notebooks.
    ``diff`` is None when the content is identical (a pure rename).
    """

    path: str
    status: str
    diff: NotebookDiff | None
    old_path: str | None = None
    note: str = ""

    @property
    def shown(self) -> bool:
        """Whether this file has something to show (a modified notebook may differ only in ignored parts)."""
        return self.status != MODIFIED or (self.diff is not None and self.diff.changed)
