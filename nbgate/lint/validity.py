"""0xx validity: the file is a notebook nbformat accepts, with sound cell ids."""

from __future__ import annotations

from collections.abc import Iterator

from nbgate.lint import schema
from nbgate.lint.checkers import checker
from nbgate.lint.context import Context
from nbgate.lint.registry import ERROR, Finding, finding, rule

UNREADABLE = rule(
    "NBG000",
    "unreadable",
    ERROR,
    "The file cannot be read as a v4 notebook (invalid JSON, not a notebook, nbformat 3). "
    "Always reported; cannot be ignored.",
    'a file cut off half-way: `{"cells": [`',
)
SCHEMA = rule(
    "NBG001",
    "schema-invalid",
    ERROR,
    "The notebook does not validate against nbformat's JSON schema for its version.",
    'a stream output without `text`: `{"output_type": "stream", "name": "stdout"}`',
)
DUPLICATE_ID = rule(
    "NBG002",
    "duplicate-cell-id",
    ERROR,
    "Two cells share an id (nbformat 4.5+ needs unique ids; copy-pasted JSON does this).",
    'two cells with `"id": "setup"`',
)
MISSING_ID = rule(
    "NBG003",
    "missing-cell-id",
    ERROR,
    "A cell of an nbformat 4.5+ notebook has no id (nbformat would invent a random one on save).",
    '`"nbformat_minor": 5` and a cell without `"id"`',
)


@checker(SCHEMA)
def schema_invalid(ctx: Context) -> Iterator[Finding]:
    """NBG001: validate against nbformat's schema (fastjsonschema, cached)."""
    for problem in schema.validate(ctx.nb):
        message = f"schema: {problem.message}"
        if "{'id'}" in problem.message and problem.cell is not None:
            message += (
                ': cell ids need nbformat 4.5; set "nbformat_minor": 5 (Jupyter does this when it '
                "saves), or remove the ids"
            )
        yield finding("NBG001", message, problem.cell)


@checker(DUPLICATE_ID, MISSING_ID)
def cell_ids(ctx: Context) -> Iterator[Finding]:
    """NBG002 and NBG003: ids unique, and present from nbformat 4.5 on."""
    first: dict[str, int] = {}
    for view in ctx.cells:
        cell_id = view.cell.get("id")
        if cell_id is None:
            if ctx.minor >= 5:
                yield finding("NBG003", "cell has no id (required since nbformat 4.5)", view.number)
            continue
        if not isinstance(cell_id, str):
            continue  # the schema rule reports a non-string id
        if cell_id in first:
            yield finding(
                "NBG002", f"duplicate cell id {cell_id!r} (also cell {first[cell_id]})", view.number
            )
        else:
            first[cell_id] = view.number
