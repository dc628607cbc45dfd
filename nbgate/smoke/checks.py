"""Output checks (the nbval idea): tagged cells must reproduce their committed outputs.

Cells tagged ``nbgate-check-output`` are compared after execution: text/plain
of results and displays, stream text (all ``stdout`` merged, all ``stderr``
merged, as a cell's prints may arrive in many chunks), and an error's name
and value. Images (``image/*``) are compared only with ``smoke.check_images``;
other MIME types are ignored. Regex sanitizers from ``smoke.sanitizers``
(pattern -> replacement) are applied to both sides first, so timestamps,
addresses and timings can be masked. A mismatch is shown as a unified diff.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from nbgate.identity import executed_cells
from nbgate.notebook import Notebook, tags
from nbgate.notebook import text as notebook_text

CHECK_TAG = "nbgate-check-output"


class Mismatch(NamedTuple):
    """One checked cell whose fresh outputs differ from the committed ones."""

    cell: int  # 1-based number in the notebook as committed
    diff: str
    committed_empty: bool


def render(outputs: Sequence[dict[str, Any]], *, images: bool = False) -> list[str]:
    """Outputs as comparable text blocks, one per output (streams merged by name)."""
    blocks: list[str] = []
    streams: dict[str, int] = {}
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            name = str(output.get("name", "stdout"))
            if name in streams:
                blocks[streams[name]] += notebook_text(output.get("text", ""))
            else:
                streams[name] = len(blocks)
                blocks.append(f"[{name}]\n" + notebook_text(output.get("text", "")))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {})
            parts = []
            if "text/plain" in data:
                parts.append("[text/plain]\n" + notebook_text(data["text/plain"]))
            if images:
                for mime in sorted(m for m in data if m.startswith("image/")):
                    parts.append(f"[{mime}]\n" + notebook_text(data[mime]).replace("\n", ""))
            if parts:
                blocks.append("\n".join(parts))
        elif kind == "error":
            blocks.append(f"[error]\n{output.get('ename', '')}: {output.get('evalue', '')}")
    return blocks


def sanitize(text: str, sanitizers: Mapping[str, str]) -> str:
    """Apply every ``pattern -> replacement`` in order."""
    for pattern, replacement in sanitizers.items():
        text = re.sub(pattern, replacement, text)
    return text


def compile_sanitizers(sanitizers: Mapping[str, Any]) -> dict[str, str]:
    """Check the configured sanitizers; a bad regex is a ``ValueError`` naming it."""
    checked: dict[str, str] = {}
    for pattern, replacement in sanitizers.items():
        if not isinstance(replacement, str):
            raise ValueError(f"smoke.sanitizers: replacement for {pattern!r} must be a string")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"smoke.sanitizers: bad regex {pattern!r}: {exc}") from None
        checked[pattern] = replacement
    return checked


def compare(
    committed: Notebook,
    executed: Notebook,
    *,
    sanitizers: Mapping[str, str] | None = None,
    images: bool = False,
) -> list[Mismatch]:
    """Mismatches between the committed and freshly executed outputs of checked cells."""
    fresh_cells = executed_cells(executed)
    mismatches = []
    for number, cell in enumerate(committed.get("cells", []), 1):
        if cell.get("cell_type") != "code" or CHECK_TAG not in tags(cell):
            continue
        fresh = fresh_cells[number - 1] if number - 1 < len(fresh_cells) else {}
        want = sanitize("\n".join(render(cell.get("outputs", []), images=images)), sanitizers or {})
        got = sanitize("\n".join(render(fresh.get("outputs", []), images=images)), sanitizers or {})
        if want != got:
            diff = "\n".join(
                difflib.unified_diff(
                    want.splitlines(), got.splitlines(), "committed", "fresh", lineterm="", n=2
                )
            )
            mismatches.append(Mismatch(number, diff, not cell.get("outputs")))
    return mismatches


def describe(mismatches: Sequence[Mismatch]) -> str:
    """The readable report of all mismatches."""
    out = []
    for mismatch in mismatches:
        out.append(f"cell {mismatch.cell}: outputs differ from the committed ones")
        if mismatch.committed_empty:
            out.append("  (the committed cell has no outputs: tag it keep-output so strip keeps them)")
        out.append(mismatch.diff)
        out.append("")
    return "\n".join(out).rstrip()
