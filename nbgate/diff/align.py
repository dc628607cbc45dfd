"""Driving nbdime: its notebook diff of two views, aligned on identical cells first.

``nbdime_diff`` is what ``nbgate.diff.model.diff_notebooks`` calls once the views
differ; ``load_nbdime`` imports nbdime (with ``nbgate.lazyimport``, so
jsonschema's IRI grammar is not built), only when a diff is computed.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from nbgate import jsonsafe, lazyimport
from nbgate.diff.view import DiffOptions, view
from nbgate.notebook import Notebook


def load_nbdime() -> ModuleType:
    """Import ``nbdime.diffing.notebooks`` (about 0.1 s instead of 1.5 s: ``nbgate.lazyimport``)."""
    return lazyimport.import_module("nbdime.diffing.notebooks")


def nbdime_diff(
    a: Notebook, b: Notebook, options: DiffOptions, *, anchored: bool = True
) -> list[Any]:
    """nbdime's diff between the views of ``a`` and ``b`` (plain JSON-like data).

    nbdime aligns cells by filling an n-by-m grid per predicate (0.2 s for
    500 cells, growing with the square). ``anchored`` (the default) first
    pairs identical cells (a longest common subsequence, found in n log n
    when no cell repeats, as ids ensure) and hands nbdime only the cells
    between those anchors. Identical cells with the same id are what
    nbdime's strictest predicate pairs anyway, so the diffs agree, except
    that a moved cell may be reported as moved the other way round. With
    repeated cells (notebooks without ids) nbdime aligns the whole list, as
    ``anchored=False`` always does.
    """
    differ = load_nbdime()
    va, vb = view(a, options), view(b, options)
    differ.reset_notebook_differ()
    try:
        # The view already left out what is not wanted; these targets only
        # hide what it must keep: ids (for alignment) and, without outputs,
        # execution counts. Metadata stays on so tag changes are seen.
        differ.set_notebook_diff_targets(
            sources=True,
            outputs=options.outputs,
            attachments=True,
            metadata=True,
            identifier=options.ids,
            details=options.outputs,
        )
        if anchored:
            result = differ.diff_notebooks({**va, "cells": []}, {**vb, "cells": []})
            cells = _anchored_cells(differ, va["cells"], vb["cells"], nodes=options.outputs)
            if cells:
                result = sorted(
                    [*result, {"op": "patch", "key": "cells", "diff": cells}],
                    key=lambda e: e["key"],
                )
        else:
            result = differ.diff_notebooks(
                _nodes(va) if options.outputs else va, _nodes(vb) if options.outputs else vb
            )
    finally:
        differ.reset_notebook_differ()
    return result if options.ids else _without_ids(result)


def _nodes(value: Any) -> Any:
    """nbformat NotebookNodes: nbdime's output differ reads outputs by attribute."""
    import nbformat

    from_dict: Any = nbformat.from_dict  # untyped
    return from_dict(value)


def _anchored_cells(
    differ: ModuleType, cells_a: list[Any], cells_b: list[Any], *, nodes: bool
) -> list[Any]:
    """nbdime's ``/cells`` diff, computed only between identical cells (see ``nbdime_diff``)."""
    keys_a = [jsonsafe.dumps_bytes(cell, sort_keys=True) for cell in cells_a]
    keys_b = [jsonsafe.dumps_bytes(cell, sort_keys=True) for cell in cells_b]
    where_b = {key: j for j, key in enumerate(keys_b)}
    if len(set(keys_a)) != len(keys_a) or len(where_b) != len(keys_b):
        # repeated cells (notebooks without ids): which copy pairs with which is nbdime's call
        whole: list[Any] = differ.diff_item_at_path(
            _nodes(cells_a) if nodes else cells_a, _nodes(cells_b) if nodes else cells_b, "/cells"
        )
        return whole
    anchors = _increasing([(i, where_b[key]) for i, key in enumerate(keys_a) if key in where_b])
    entries: list[Any] = []
    prev_i = prev_j = -1
    for i, j in [*anchors, (len(cells_a), len(cells_b))]:
        part_a, part_b = cells_a[prev_i + 1 : i], cells_b[prev_j + 1 : j]
        if part_a or part_b:
            if nodes:
                part_a, part_b = _nodes(part_a), _nodes(part_b)
            for entry in differ.diff_item_at_path(part_a, part_b, "/cells"):
                entries.append({**entry, "key": entry["key"] + prev_i + 1})
        prev_i, prev_j = i, j
    return entries


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of ``pairs`` (sorted by first item) whose second items increase (patience sorting)."""
    import bisect

    tails: list[int] = []  # tails[k]: smallest second item ending an increasing run of length k + 1
    ends: list[int] = []  # index into pairs of that run's last pair
    back = [-1] * len(pairs)
    for n, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tails, j)
        if k == len(tails):
            tails.append(j)
            ends.append(n)
        else:
            tails[k] = j
            ends[k] = n
        back[n] = ends[k - 1] if k else -1
    run = []
    n = ends[-1] if ends else -1
    while n >= 0:
        run.append(pairs[n])
        n = back[n]
    return run[::-1]


def _without_ids(raw: list[Any]) -> list[Any]:
    """Drop cell id changes (nbdime treats ids as atomic and reports them whatever the targets say)."""
    pruned = []
    for entry in raw:
        if entry["key"] == "cells" and entry["op"] == "patch":
            cells = []
            for cell in entry["diff"]:
                if cell["op"] == "patch":
                    inner = [e for e in cell["diff"] if e["key"] != "id"]
                    if not inner:
                        continue
                    cell = {**cell, "diff": inner}
                cells.append(cell)
            if not cells:
                continue
            entry = {**entry, "diff": cells}
        pruned.append(entry)
    return pruned
