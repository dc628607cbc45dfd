"""1xx hygiene: what the strip policy forbids, stale counts, bloated outputs, empty cells."""

from __future__ import annotations

from collections.abc import Iterator

import orjson

from nbgate.lint.checkers import checker
from nbgate.lint.context import Context
from nbgate.lint.engine import suppressions
from nbgate.lint.registry import ERROR, WARNING, Finding, finding, rule
from nbgate.strip.transform import stripped_outputs

OUTPUTS = rule(
    "NBG101",
    "outputs-committed",
    ERROR,
    "A code cell has outputs although the strip policy removes them (`strip.keep_outputs` is off "
    "and the cell lacks the `strip.keep_output_tag` tag). Run `nbgate strip`.",
    "a cell printing `hello` committed with its stream output",
)
COUNTS = rule(
    "NBG102",
    "execution-count-committed",
    ERROR,
    "A code cell has an execution count although the strip policy clears it. Run `nbgate strip`.",
    '`"execution_count": 7` on an untagged cell',
)
ORDER = rule(
    "NBG103",
    "out-of-order-execution",
    WARNING,
    "Where outputs are kept, execution counts do not increase top to bottom: the outputs were not "
    "produced by one clean run.",
    "kept outputs with counts 2, 1",
)
BIG_OUTPUT = rule(
    "NBG104",
    "output-too-large",
    ERROR,
    "One output is bigger than `lint.max_output_bytes` (as JSON).",
    "a 5 MB base64 PNG from a plot",
)
EMPTY = rule(
    "NBG105",
    "empty-cell",
    WARNING,
    "A cell holds nothing but whitespace. (Only the tag form of suppression applies: a comment "
    "would make the cell non-empty.)",
    'a code cell whose source is `""`',
)


@checker(OUTPUTS, COUNTS)
def strip_policy(ctx: Context) -> Iterator[Finding]:
    """NBG101 and NBG102, mirroring ``nbgate.strip.transform.strip_notebook``'s decisions.

    One finding per notebook and rule, at its first cell, listing every cell
    (what ``nbgate strip --check`` says in one line); cells that suppress the
    rule are left out of the list.
    """
    outputs: list[int] = []
    counted: list[int] = []
    total = 0
    for view in ctx.code_cells():
        if ctx.keeps_outputs(view):
            continue
        hidden, everything = suppressions(view)
        stripped = stripped_outputs(view.outputs, ctx.options.strip_options)
        if stripped and not (everything or any("NBG101".startswith(p) for p in hidden)):
            outputs.append(view.number)
            total += len(stripped)
        if (
            not ctx.options.keep_execution_counts
            and view.cell.get("execution_count") is not None
            and not (everything or any("NBG102".startswith(p) for p in hidden))
        ):
            counted.append(view.number)
    if outputs:
        yield finding(
            "NBG101",
            f"{total} output(s) committed in {_cells(outputs)}; strip policy removes them "
            "(run `nbgate strip`)",
            outputs[0],
        )
    if counted:
        yield finding(
            "NBG102",
            f"execution counts committed in {_cells(counted)}; strip policy clears them "
            "(run `nbgate strip`)",
            counted[0],
        )


def _cells(numbers: list[int]) -> str:
    """``cell 3`` / ``cells 2, 4-9, 12``."""
    spans: list[list[int]] = []
    for number in numbers:
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    text = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)
    return f"cell {text}" if len(numbers) == 1 else f"cells {text}"


@checker(ORDER)
def execution_order(ctx: Context) -> Iterator[Finding]:
    """NBG103: counts of cells whose outputs are kept must increase strictly."""
    previous: tuple[int, int] | None = None
    for view in ctx.code_cells():
        count = view.cell.get("execution_count")
        if not ctx.keeps_outputs(view) or not isinstance(count, int) or isinstance(count, bool):
            continue
        if previous is not None and count <= previous[0]:
            yield finding(
                "NBG103",
                f"execution count {count} after {previous[0]} (cell {previous[1]}): "
                "outputs are not from one top-to-bottom run",
                view.number,
            )
        previous = (count, view.number)


@checker(BIG_OUTPUT)
def output_size(ctx: Context) -> Iterator[Finding]:
    """NBG104: each output's JSON size against ``lint.max_output_bytes``."""
    limit = ctx.options.max_output_bytes
    if ctx.size and ctx.size <= limit:
        return  # no single output can be bigger than the whole file
    for view in ctx.code_cells():
        for index, output in enumerate(view.outputs, 1):
            try:
                size = len(orjson.dumps(output))
            except (TypeError, orjson.JSONEncodeError):
                continue
            if size > limit:
                yield finding(
                    "NBG104",
                    f"output {index} is {size:,} bytes (limit {limit:,}, lint.max_output_bytes)",
                    view.number,
                )


@checker(EMPTY)
def empty_cells(ctx: Context) -> Iterator[Finding]:
    """NBG105: whitespace-only cells."""
    for view in ctx.cells:
        if not view.source.strip():
            yield finding("NBG105", f"empty {view.cell_type} cell", view.number)
