"""What a notebook diff compares: the options and the *view* of a notebook they select.

The bottom of ``nbgate.diff``: the nbdime driver (``align``) and the diff
records (``model``) both build on it, and deciding that two notebooks show
no difference (``same``) needs nothing else, so no nbdime.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from nbgate.notebook import Notebook
from nbgate.notebook import text as notebook_text


class DiffOptions(NamedTuple):
    """What a diff shows besides sources (each off by default)."""

    outputs: bool = False
    metadata: bool = False
    ids: bool = False


#: The default: sources, cell types, tags and attachments only.
SOURCES = DiffOptions()


def view(nb: Notebook, options: DiffOptions, *, keep_ids: bool = True) -> Notebook:
    """The part of ``nb`` a diff with ``options`` compares (a new dict; ``nb`` is not changed).

    ``keep_ids=False`` drops ids that ``options`` does not show: two such
    views are equal exactly when the diff would show nothing.
    """
    cells = []
    for cell in nb.get("cells", ()):
        cell_type = cell.get("cell_type", "code")
        metadata = cell.get("metadata") or {}
        source = notebook_text(cell.get("source", ""))
        new: dict[str, Any] = {"cell_type": cell_type, "source": source}
        if options.metadata:
            new["metadata"] = metadata
        else:  # tags decide what a cell is for (parameters, keep-output...): always shown
            new["metadata"] = {"tags": metadata["tags"]} if metadata.get("tags") else {}
        if "id" in cell and (keep_ids or options.ids):
            new["id"] = cell["id"]
        if "attachments" in cell:
            new["attachments"] = cell["attachments"]
        if cell_type == "code":
            new["outputs"] = cell.get("outputs", []) if options.outputs else []
            new["execution_count"] = cell.get("execution_count") if options.outputs else None
        cells.append(new)
    shown: Notebook = {
        "cells": cells,
        "metadata": nb.get("metadata", {}) if options.metadata else {},
        "nbformat": 4,
        "nbformat_minor": 0,
    }
    if options.metadata:
        shown["nbformat_minor"] = nb.get("nbformat_minor", 0)
    return shown


def same(a: Notebook, b: Notebook, options: DiffOptions) -> bool:
    """Whether a diff with ``options`` would show nothing (decided without nbdime)."""
    return view(a, options, keep_ids=False) == view(b, options, keep_ids=False)
