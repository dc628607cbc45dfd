"""Strip outputs, execution counts and volatile metadata: a pure transform.

``strip_notebook`` takes a notebook dict and the strip options and returns
a new notebook plus the reasons it differs (empty when it was clean). It
never renumbers or invents cell ids, never touches ``nbformat_minor`` and
never reads or writes files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from nbgate.config import defaults
from nbgate.jsonsafe import dumps_bytes
from nbgate.notebook import Notebook, tags

#: nbstripout's spelling of the keep tag and metadata key, and the init_cell extension's key.
NBSTRIPOUT_KEEP = "keep_output"
INIT_CELL = "init_cell"


class StripOptions(NamedTuple):
    """What strip keeps: the ``strip.*`` options (their defaults are in ``config.OPTIONS`` only)."""

    keep_cell_metadata: tuple[str, ...]
    keep_notebook_metadata: tuple[str, ...]
    keep_output_tag: str
    keep_outputs: bool
    keep_execution_counts: bool
    nbstripout_markers: bool
    init_cells: bool
    drop_empty_cells: bool
    drop_tagged_cells: tuple[str, ...]
    max_output_size: int

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> StripOptions:
        """Build from ``config.section("strip")`` (or ``config.defaults("strip")``)."""
        return cls(
            keep_cell_metadata=tuple(section["keep_cell_metadata"]),
            keep_notebook_metadata=tuple(section["keep_notebook_metadata"]),
            keep_output_tag=section["keep_output_tag"],
            keep_outputs=section["keep_outputs"],
            keep_execution_counts=section["keep_execution_counts"],
            nbstripout_markers=section["nbstripout_markers"],
            init_cells=section["init_cells"],
            drop_empty_cells=section["drop_empty_cells"],
            drop_tagged_cells=tuple(section["drop_tagged_cells"]),
            max_output_size=section["max_output_size"],
        )

    @classmethod
    def default(cls) -> StripOptions:
        """The options of a project without configuration (the defaults of ``config.OPTIONS``)."""
        return cls.from_config(defaults("strip"))


class StripError(ValueError):
    """The notebook contradicts itself about what to keep; ``number`` is the cell's (1-based)."""

    def __init__(self, number: int, what: str) -> None:
        super().__init__(what)
        self.number = number
        self.what = what


def notebook_keeps_outputs(nb: Notebook, options: StripOptions) -> bool:
    """Whether every cell keeps its outputs: ``strip.keep_outputs``, or nbstripout's notebook metadata."""
    if options.keep_outputs:
        return True
    metadata = nb.get("metadata")
    return (
        options.nbstripout_markers
        and isinstance(metadata, dict)
        and metadata.get(NBSTRIPOUT_KEEP) is True
    )


def cell_keeps_outputs(cell: Mapping[str, Any], number: int, options: StripOptions) -> bool:
    """Whether this cell's own markers keep its outputs and counts (nbstripout's rules).

    The keep tag (``strip.keep_output_tag``, and nbstripout's ``keep_output``),
    cell metadata ``keep_output: true``, and ``init_cell: true`` (unless
    ``strip.init_cells``). Metadata ``keep_output: false`` beside a keep tag
    is a ``StripError``, as in nbstripout.
    """
    cell_tags = tags(dict(cell))
    tagged = options.keep_output_tag in cell_tags
    metadata = cell.get("metadata")
    if not isinstance(metadata, dict):
        return tagged
    if metadata.get(INIT_CELL) is True and not options.init_cells:
        return True
    if not options.nbstripout_markers:
        return tagged
    tagged = tagged or NBSTRIPOUT_KEEP in cell_tags
    if NBSTRIPOUT_KEEP in metadata:
        flag = metadata[NBSTRIPOUT_KEEP]
        if tagged and not flag:
            raise StripError(
                number,
                f"cell metadata says keep_output: {orjson_text(flag)} but the cell is tagged "
                "to keep its outputs; remove one of them",
            )
        return tagged or bool(flag)
    return tagged


def orjson_text(value: Any) -> str:
    """A JSON value as nbstripout users wrote it (``false``, ``0``, ``null``)."""
    return dumps_bytes(value).decode("utf-8")


def _small(output: Any, limit: int) -> bool:
    return len(dumps_bytes(output)) < limit


def stripped_outputs(outputs: list[Any], options: StripOptions) -> list[Any]:
    """Which of a stripped cell's outputs go (all but those under ``strip.max_output_size``)."""
    limit = options.max_output_size
    return [o for o in outputs if not _small(o, limit)] if limit > 0 else list(outputs)


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


def _filter(
    metadata: Mapping[str, Any], tree: Mapping[str, Any], prefix: str, dropped: list[str]
) -> dict[str, Any]:
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


def strip_notebook(nb: Notebook, options: StripOptions | None = None) -> StripResult:
    """Return ``nb`` stripped, and the reasons it was not clean (``options`` None: the config's defaults)."""
    if options is None:
        options = StripOptions.default()
    cell_tree = _keep_tree(options.keep_cell_metadata)
    cell_tree.pop("trusted", None)
    cell_tree[INIT_CELL] = True  # the markers strip honours are never stripped themselves
    nb_tree = _keep_tree(options.keep_notebook_metadata)
    nb_tree.pop("signature", None)
    if options.nbstripout_markers:
        cell_tree[NBSTRIPOUT_KEEP] = nb_tree[NBSTRIPOUT_KEEP] = True
    keep_all = notebook_keeps_outputs(nb, options)
    drop_tags = set(options.drop_tagged_cells)

    with_outputs: list[int] = []
    with_counts: list[int] = []
    dropped_cell_keys: set[str] = set()
    dropped_empty: list[int] = []
    dropped_tagged: list[int] = []
    cells = []
    for number, cell in enumerate(nb.get("cells", []), 1):
        if drop_tags and drop_tags.intersection(tags(cell)):
            dropped_tagged.append(number)
            continue
        if options.drop_empty_cells and not str(cell.get("source", "")).strip():
            dropped_empty.append(number)
            continue
        new = dict(cell)
        metadata = cell.get("metadata", {})
        if metadata:
            dropped: list[str] = []
            new["metadata"] = _filter(metadata, cell_tree, "", dropped)
            dropped_cell_keys.update(dropped)
        else:
            new["metadata"] = {}
        if cell.get("cell_type") == "code":
            tagged = cell_keeps_outputs(cell, number, options)
            if not (tagged or keep_all) and cell.get("outputs"):
                limit = options.max_output_size
                new["outputs"] = (
                    [o for o in cell["outputs"] if _small(o, limit)] if limit > 0 else []
                )
                if len(new["outputs"]) != len(cell["outputs"]):
                    with_outputs.append(number)
            # a keep-output cell keeps its counts too; keep_outputs alone does not (like nbstripout)
            if not options.keep_execution_counts and not tagged:
                outputs = new.get("outputs", ())
                counted = [
                    isinstance(o, dict) and o.get("execution_count") is not None for o in outputs
                ]
                if cell.get("execution_count") is not None or any(counted):
                    new["execution_count"] = None
                    if any(counted):
                        new["outputs"] = [
                            {**o, "execution_count": None} if c else o
                            for o, c in zip(outputs, counted, strict=False)
                        ]
                    with_counts.append(number)
        cells.append(new)

    dropped_nb: list[str] = []
    metadata = _filter(nb.get("metadata", {}), nb_tree, "", dropped_nb)

    reasons = []
    if dropped_tagged:
        reasons.append(
            f"{_cells(dropped_tagged)} tagged {', '.join(sorted(drop_tags))} (strip.drop_tagged_cells)"
        )
    if dropped_empty:
        reasons.append(f"empty {_cells(dropped_empty)} (strip.drop_empty_cells)")
    if with_outputs:
        reasons.append(f"outputs in {_cells(with_outputs)}")
    if with_counts:
        reasons.append(f"execution counts in {_cells(with_counts)}")
    if dropped_cell_keys:
        reasons.append("cell metadata " + ", ".join(sorted(dropped_cell_keys)))
    if dropped_nb:
        reasons.append("notebook metadata " + ", ".join(sorted(dropped_nb)))
    return StripResult({**nb, "metadata": metadata, "cells": cells}, tuple(reasons))
