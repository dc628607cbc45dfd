"""Strip outputs, execution counts and volatile metadata: a pure transform.

``strip_notebook`` takes a notebook dict and the strip options and returns
a new notebook plus the reasons it differs (empty when it was clean). It
never renumbers or invents cell ids, never touches ``nbformat_minor`` and
never reads or writes files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from nbgate.notebook import Notebook, tags


class StripOptions(NamedTuple):
    """What strip keeps (see the ``strip.*`` options in ``config``)."""

    keep_cell_metadata: tuple[str, ...] = ("tags", "nbgate", "jupytext", "slideshow", "editable", "deletable")
    keep_notebook_metadata: tuple[str, ...] = (
        "kernelspec",
        "language_info.name",
        "jupytext",
        "nbgate",
        "title",
        "authors",
    )
    keep_output_tag: str = "keep-output"
    keep_outputs: bool = False
    keep_execution_counts: bool = False

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> StripOptions:
        """Build from ``config.section("strip")``."""
        return cls(
            keep_cell_metadata=tuple(section["keep_cell_metadata"]),
            keep_notebook_metadata=tuple(section["keep_notebook_metadata"]),
            keep_output_tag=section["keep_output_tag"],
            keep_outputs=section["keep_outputs"],
            keep_execution_counts=section["keep_execution_counts"],
        )


class StripResult(NamedTuple):
    """The stripped notebook and why it differs from the input (empty if clean)."""

    nb: Notebook
    reasons: tuple[str, ...]

    @property
    def changed(self) -> bool:
        """True when stripping changed anything."""
        return bool(self.reasons)


def _keep_tree(keys: Iterable[str]) -> dict[str, Any]:
    """``["a", "b.c"]`` into ``{"a": True, "b": {"c": True}}``."""
    tree: dict[str, Any] = {}
    for key in keys:
        node = tree
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if child is True:
                break
            node = node.setdefault(part, {})
        else:
            node[parts[-1]] = True
    return tree


def _filter(metadata: Mapping[str, Any], tree: Mapping[str, Any], prefix: str, dropped: list[str]) -> dict[str, Any]:
    """Keep what ``tree`` names; record the dotted names of what was dropped."""
    kept: dict[str, Any] = {}
    for key, value in metadata.items():
        rule = tree.get(key)
        if rule is True:
            kept[key] = value
        elif isinstance(rule, dict) and isinstance(value, dict):
            inner = _filter(value, rule, f"{prefix}{key}.", dropped)
            if inner:
                kept[key] = inner
        else:
            dropped.append(prefix + key)
    return kept


def _cells(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:8])
    more = f" and {len(numbers) - 8} more" if len(numbers) > 8 else ""
    return f"cell{'s' if len(numbers) > 1 else ''} {shown}{more}"


def strip_notebook(nb: Notebook, options: StripOptions = StripOptions()) -> StripResult:
    """Return ``nb`` stripped, and the reasons it was not clean."""
    cell_tree = _keep_tree(options.keep_cell_metadata)
    cell_tree.pop("trusted", None)
    nb_tree = _keep_tree(options.keep_notebook_metadata)
    nb_tree.pop("signature", None)

    with_outputs: list[int] = []
    with_counts: list[int] = []
    dropped_cell_keys: set[str] = set()
    cells = []
    for number, cell in enumerate(nb.get("cells", []), 1):
        new = dict(cell)
        metadata = cell.get("metadata", {})
        if metadata:
            dropped: list[str] = []
            new["metadata"] = _filter(metadata, cell_tree, "", dropped)
            dropped_cell_keys.update(dropped)
        else:
            new["metadata"] = {}
        if cell.get("cell_type") == "code":
            tagged = options.keep_output_tag in tags(cell)
            if not (tagged or options.keep_outputs) and cell.get("outputs"):
                new["outputs"] = []
                with_outputs.append(number)
            # a keep-output cell keeps its counts too; keep_outputs alone does not (like nbstripout)
            if not options.keep_execution_counts and not tagged:
                outputs = new.get("outputs", ())
                counted = [isinstance(o, dict) and o.get("execution_count") is not None for o in outputs]
                if cell.get("execution_count") is not None or any(counted):
                    new["execution_count"] = None
                    if any(counted):
                        new["outputs"] = [{**o, "execution_count": None} if c else o
                                          for o, c in zip(outputs, counted)]
                    with_counts.append(number)
        cells.append(new)

    dropped_nb: list[str] = []
    metadata = _filter(nb.get("metadata", {}), nb_tree, "", dropped_nb)

    reasons = []
    if with_outputs:
        reasons.append(f"outputs in {_cells(with_outputs)}")
    if with_counts:
        reasons.append(f"execution counts in {_cells(with_counts)}")
    if dropped_cell_keys:
        reasons.append("cell metadata " + ", ".join(sorted(dropped_cell_keys)))
    if dropped_nb:
        reasons.append("notebook metadata " + ", ".join(sorted(dropped_nb)))
    return StripResult({**nb, "metadata": metadata, "cells": cells}, tuple(reasons))
