"""Output checks (the nbval idea): checked cells must reproduce their committed outputs.

Which cells: with ``smoke.check_outputs = "tagged"`` (the default) those
tagged ``nbgate-check-output`` (or marked the nbval way, see
``nbgate.execution.attribution``); with ``"all"`` every executed code cell
not marked to be ignored, like ``pytest --nbval``. They are compared after execution: text/plain
of results and displays, stream text (all ``stdout`` merged, all ``stderr``
merged, as a cell's prints may arrive in many chunks), and an error's name
and value. Images (``image/*``) are compared only with ``smoke.check_images``;
other MIME types are ignored. Regex sanitizers from ``smoke.sanitizers``
(pattern -> replacement) are applied to both sides first, so timestamps,
addresses and timings can be masked; nbval's sanitize files
(``smoke.sanitize_file``: ``[section]`` with ``regex:`` and ``replace:``)
add theirs after. A mismatch is shown as a unified diff.
"""

from __future__ import annotations

import configparser
import difflib
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from nbgate.execution.attribution import checked
from nbgate.identity import executed_cells
from nbgate.notebook import Notebook
from nbgate.notebook import text as notebook_text

CHECK_TAG = "nbgate-check-output"
MODES = ("tagged", "all")


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


def load_sanitize_file(path: Path, root: Path) -> dict[str, str]:
    """nbval's sanitize file: each ``[section]`` has ``regex:`` and ``replace:`` (in file order).

    ``ValueError`` naming the file (and section) if it is missing, outside
    ``root``, not that format, or holds a bad regex.
    """
    target = (root / path).resolve()
    try:
        target.relative_to(root.resolve())
    except ValueError:
        raise ValueError(f"smoke.sanitize_file: {path} is outside the project") from None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with target.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"smoke.sanitize_file: cannot read {path}: {type(exc).__name__}") from None
    except configparser.Error:
        raise ValueError(
            f"smoke.sanitize_file: {path} is not an nbval sanitize file "
            "([section] lines with regex: and replace:)"
        ) from None
    found: dict[str, str] = {}
    for section in parser.sections():
        if "regex" not in parser[section]:
            raise ValueError(f"smoke.sanitize_file: {path} [{section}] has no regex")
        pattern, replacement = parser[section]["regex"], parser[section].get("replace", "")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"smoke.sanitize_file: {path} [{section}] bad regex: {exc}") from None
        found[pattern] = replacement
    return found


def compare(
    committed: Notebook,
    executed: Notebook,
    *,
    sanitizers: Mapping[str, str] | None = None,
    images: bool = False,
    mode: str = "tagged",
) -> list[Mismatch]:
    """Mismatches between the committed and freshly executed outputs of checked cells."""
    fresh_cells = executed_cells(executed)
    mismatches = []
    for number, cell in enumerate(committed.get("cells", []), 1):
        if not checked(cell, mode):
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
            out.append(
                "  (the committed cell has no outputs: tag it keep-output so strip keeps them)"
            )
        out.append(mismatch.diff)
        out.append("")
    return "\n".join(out).rstrip()
