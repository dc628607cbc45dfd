"""Render notebook diffs (``nbgate.diff.model.FileDiff`` lists) for people and programs.

* ``terminal``: cell by cell, ``git diff``-like, coloured when asked;
* ``markdown``: for a pull-request summary: per notebook the cell counts and
  a fenced ``diff`` block per changed cell;
* ``json``: nbdime's diff structure per notebook, with the counts;
* ``html``: one self-contained page (inline CSS, no scripts) to open or upload.

Every renderer is pure (records in, text out) and none imports nbdime.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from typing import Any

from nbgate import github
from nbgate.diff.hunks import (
    CONTEXT,
    Hunk,
    Sides,
    cell_hunks,
    cell_title,
    counts,
    headline,
    hidden_note,
    hunk_header,
    hunk_lines,
    output_summary,
)
from nbgate.diff.model import (
    ADDED,
    DELETED,
    MODIFIED,
    REMOVED,
    RENAMED,
    TWIN,
    CellDiff,
    DiffOptions,
    FileDiff,
)

# the shared pieces (``nbgate.diff.hunks``) stay importable from here, as before the split
__all__ = [
    "CONTEXT",
    "FORMATS",
    "Hunk",
    "Sides",
    "cell_title",
    "counts",
    "headline",
    "hunk_lines",
    "markdown",
    "markdown_file",
    "markdown_table",
    "output_summary",
    "render",
    "terminal",
    "to_html",
    "to_json",
]

FORMATS = ("terminal", "markdown", "json", "html")
_ANSI = {"red": "31", "green": "32", "cyan": "36", "yellow": "33", "bold": "1", "dim": "2"}


def render(
    fmt: str, files: Sequence[FileDiff], sides: Sides, options: DiffOptions, *, color: bool = False
) -> str:
    """``files`` rendered in ``fmt`` (one of ``FORMATS``); ends without a newline."""
    if fmt == "terminal":
        return terminal(files, sides, color=color)
    if fmt == "markdown":
        return markdown(files, sides)
    if fmt == "json":
        return to_json(files, sides, options)
    if fmt == "html":
        return to_html(files, sides)
    raise ValueError(f"unknown diff format {fmt!r}")


# ---------------------------------------------------------------- terminal


def _paint(text: str, name: str, color: bool) -> str:
    return f"\x1b[{_ANSI[name]}m{text}\x1b[0m" if color else text


def terminal(files: Sequence[FileDiff], sides: Sides, *, color: bool = False) -> str:
    """The cell-by-cell terminal view: ``===`` a notebook, ``[cell N]`` a cell, ``##`` a note."""
    out: list[str] = []
    for file in (f for f in files if f.shown):
        summary = counts(file)
        out.append(
            _paint(f"=== {headline(file)}" + (f"  {summary}" if summary else ""), "bold", color)
        )
        out.append(_paint(f"    {sides.old} -> {sides.new}", "dim", color))
        if file.note:
            out.append(_paint(f"## {file.note}", "yellow", color))
        if file.diff is not None:
            out.extend(
                _paint(f"## notebook {line}", "yellow", color) for line in file.diff.metadata
            )
            for cell in file.diff.cells:
                out.append(
                    _paint(f"[{cell_title(cell)}] {cell.cell_type}, {cell.status}", "cyan", color)
                )
                out.extend(_terminal_cell(cell, color))
        out.append("")
    hidden = hidden_note(files)
    if hidden:
        out.append(_paint(hidden, "dim", color))
    return "\n".join(out).rstrip("\n")


def _terminal_cell(cell: CellDiff, color: bool) -> list[str]:
    lines = []
    hunks, header = cell_hunks(cell)
    for hunk in hunks:
        if header:
            lines.append(_paint(hunk_header(hunk), "cyan", color))
        for tag, text in hunk.lines:
            colour = {"-": "red", "+": "green"}.get(tag)
            lines.append(_paint(tag + text, colour, color) if colour else tag + text)
    lines.extend(_paint(f"## {detail}", "yellow", color) for detail in cell.details)
    return lines


# ---------------------------------------------------------------- markdown


def _fence(text: str) -> str:
    """A backtick fence longer than any run of backticks in ``text``."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _code(text: str) -> str:
    """A file name or side label as inert monospace markdown (it is user-controlled)."""
    return github.md_code(text)


def markdown_table(files: Sequence[FileDiff]) -> str:
    """A markdown table: one row per notebook with its change and cell counts."""
    rows = ["| notebook | change | cells |", "| --- | --- | --- |"]
    for file in files:
        name = (
            _code(file.path)
            if file.status != RENAMED
            else f"{_code(file.old_path or '')} → {_code(file.path)}"
        )
        rows.append(f"| {name} | {file.status} | {counts(file)} |")
    return "\n".join(rows)


def markdown(files: Sequence[FileDiff], sides: Sides, *, level: int = 3) -> str:
    """Markdown for a pull-request summary: a table of notebooks, then each one's changed cells."""
    shown = [f for f in files if f.shown]
    out: list[str] = (
        [f"Notebook changes from {_code(sides.old)} to {_code(sides.new)}.", ""] if shown else []
    )
    if len(shown) > 1:
        out += [markdown_table(shown), ""]
    for file in shown:
        out.extend(markdown_file(file, level))
    hidden = hidden_note(files)
    if hidden:
        out.append(f"_{github.md_text(hidden, 5_000)}_")
    if not files:
        out.append(f"No notebook changes from {_code(sides.old)} to {_code(sides.new)}.")
    return "\n".join(out).rstrip("\n")


def markdown_file(file: FileDiff, level: int = 3) -> list[str]:
    """The markdown lines for one notebook: a heading, the counts, a ``diff`` block per changed cell."""
    name = (
        _code(file.path)
        if file.status != RENAMED
        else f"{_code(file.old_path or '')} → {_code(file.path)}"
    )
    status = {TWIN: "twin changed"}.get(file.status, file.status)
    out = [f"{'#' * level} {name} ({status})", ""]
    facts = []
    if file.diff is not None:
        summary = counts(file)
        if summary:
            facts.append(f"{summary} ({file.diff.old_cells} → {file.diff.new_cells} cells)")
        facts.extend(f"notebook {github.md_text(line)}" for line in file.diff.metadata)
        outputs = output_summary(file.diff)
        if outputs:
            facts.append(github.md_text(outputs))
    if file.note:
        facts.append(github.md_text(file.note))
    if facts:
        out += [" · ".join(facts), ""]
    if file.diff is None or not file.diff.cells:
        return out
    body: list[str] = []
    for cell in file.diff.cells:
        body.extend(_markdown_cell(cell))
    if file.status == DELETED:  # the content is gone: keep it out of the way
        out += ["<details><summary>removed cells</summary>", "", *body, "</details>", ""]
    else:
        out += body
    return out


def _markdown_cell(cell: CellDiff) -> list[str]:
    title = f"**{cell_title(cell)}** · {cell.cell_type} · {cell.status}"
    details = "".join(f" · {github.md_text(detail)}" for detail in cell.details)
    out = [title + details]
    lines = []
    hunks, header = cell_hunks(cell)
    for hunk in hunks:
        if header:
            lines.append(hunk_header(hunk))
        lines.extend(tag + text for tag, text in hunk.lines)
    if lines:
        text = "\n".join(lines)
        fence = _fence(text)
        out += ["", f"{fence}diff", text, fence]
    out.append("")
    return out


# ---------------------------------------------------------------- json


def to_json(files: Sequence[FileDiff], sides: Sides, options: DiffOptions) -> str:
    """nbdime's diff (of the compared views) per notebook, with status and counts."""
    notebooks: list[dict[str, Any]] = []
    for file in files:
        item: dict[str, Any] = {"path": file.path, "status": file.status, "changed": file.shown}
        if file.old_path:
            item["old_path"] = file.old_path
        if file.note:
            item["note"] = file.note
        if file.diff is not None:
            item["cells"] = {
                "added": file.diff.count(ADDED),
                "removed": file.diff.count(REMOVED),
                "modified": file.diff.count(MODIFIED),
                "old": file.diff.old_cells,
                "new": file.diff.new_cells,
            }
            item["diff"] = file.diff.nbdime
        notebooks.append(item)
    document = {
        "old": sides.old,
        "new": sides.new,
        "options": options._asdict(),
        "notebooks": notebooks,
    }
    return json.dumps(document, indent=1, ensure_ascii=False, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):  # nbdime's DiffEntry and nbformat's NotebookNode are dicts
        return dict(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


# ---------------------------------------------------------------- html

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:70em;
color:#1f2328;padding:0 1em}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #d0d7de;padding-bottom:.3em}
code,pre{font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
table.files{border-collapse:collapse}
table.files td,table.files th{border:1px solid #d0d7de;padding:.25em .6em;text-align:left}
.facts{color:#59636e}.cell{border:1px solid #d0d7de;border-radius:6px;margin:1em 0;overflow:hidden}
.cell h3{font-size:.95em;margin:0;padding:.4em .8em;background:#f6f8fa;border-bottom:1px solid #d0d7de}
.cell pre{margin:0;padding:.4em 0;overflow-x:auto}.cell pre span{display:block;padding:0 .8em;white-space:pre}
.del{background:#ffebe9}.add{background:#e6ffec}.hunk{color:#0969da;background:#ddf4ff}
.detail{padding:.3em .8em;color:#9a6700;border-top:1px solid #eee}
.added h3{background:#e6ffec}.removed h3{background:#ffebe9}
"""


def to_html(files: Sequence[FileDiff], sides: Sides) -> str:
    """One self-contained HTML page with every shown notebook's diff."""
    esc = html.escape
    shown = [f for f in files if f.shown]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>nbgate diff: {esc(sides.old)} → {esc(sides.new)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Notebook diff: {esc(sides.old)} → {esc(sides.new)}</h1>",
    ]
    if shown:
        parts.append('<table class="files"><tr><th>notebook</th><th>change</th><th>cells</th></tr>')
        for k, file in enumerate(shown):
            parts.append(
                f'<tr><td><a href="#nb{k}"><code>{esc(headline(file).rsplit(" (", 1)[0])}</code></a></td>'
                f"<td>{esc(file.status)}</td><td>{esc(counts(file))}</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>No notebook changes.</p>")
    for k, file in enumerate(shown):
        parts.append(f'<h2 id="nb{k}"><code>{esc(headline(file))}</code></h2>')
        facts = [file.note] if file.note else []
        if file.diff is not None:
            facts.extend(f"notebook {line}" for line in file.diff.metadata)
            outputs = output_summary(file.diff)
            facts.extend([outputs] if outputs else [])
        parts.extend(f'<p class="facts">{esc(fact)}</p>' for fact in facts)
        for cell in file.diff.cells if file.diff is not None else ():
            parts.append(_html_cell(cell))
    hidden = hidden_note(files)
    if hidden:
        parts.append(f'<p class="facts">{esc(hidden)}</p>')
    parts.append("</body></html>")
    return "\n".join(parts)


def _html_cell(cell: CellDiff) -> str:
    esc = html.escape
    rows = []
    hunks, header = cell_hunks(cell)
    for hunk in hunks:
        if header:
            rows.append(f'<span class="hunk">{esc(hunk_header(hunk))}</span>')
        for tag, text in hunk.lines:
            css = {"-": ' class="del"', "+": ' class="add"'}.get(tag, "")
            rows.append(f"<span{css}>{esc(tag + text)}</span>")
    body = f"<pre>{''.join(rows)}</pre>" if rows else ""
    details = "".join(f'<div class="detail">{esc(d)}</div>' for d in cell.details)
    return (
        f'<div class="cell {esc(cell.status)}"><h3>{esc(cell_title(cell))} · {esc(cell.cell_type)} · '
        f"{esc(cell.status)}</h3>{body}{details}</div>"
    )
