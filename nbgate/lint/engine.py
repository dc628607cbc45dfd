"""Run the enabled rules over one notebook and apply per-cell suppressions.

``lint_notebook`` is pure: a parsed notebook, the file's size and the
options in, findings out. Suppressions:

* a comment ``# nbgate: ignore[NBG201]`` (or ``ignore[NBG201,NBG202]``,
  prefixes such as ``ignore[NBG2]`` work too) anywhere in a cell's source
  (``<!-- nbgate: ignore[...] -->`` in Markdown), or a bare
  ``# nbgate: ignore`` for every rule;
* a cell tag ``nbgate-ignore-NBG201`` (``nbgate-ignore`` for every rule).

They cover findings in that cell. Findings about the whole notebook
(no cell, such as NBG201 or NBG401) are covered by a suppression that names
the code or its prefix in any cell; a bare ignore does not reach them.
"""

from __future__ import annotations

import re

from nbgate.lint.checkers import checkers
from nbgate.lint.context import CellView, Context
from nbgate.lint.options import LintOptions
from nbgate.lint.registry import Finding
from nbgate.lint.secrets import mask_text
from nbgate.notebook import Notebook

_COMMENT = re.compile(r"(?:#|<!--)[ \t]*nbgate:[ \t]*ignore(?:\[([^\]\n]*)\])?", re.IGNORECASE)
TAG_PREFIX = "nbgate-ignore"
_ALL = "NBG"


def suppressions(view: CellView) -> tuple[tuple[str, ...], bool]:
    """The code prefixes a cell suppresses, and whether it suppresses everything in it."""
    prefixes: list[str] = []
    everything = False
    if "nbgate" in view.source.lower():
        for match in _COMMENT.finditer(view.source):
            if match.group(1) is None:
                everything = True
            else:
                prefixes.extend(p.strip().upper() for p in match.group(1).split(",") if p.strip())
    for tag in view.tags:
        if tag == TAG_PREFIX:
            everything = True
        elif tag.startswith(TAG_PREFIX + "-"):
            prefixes.append(tag[len(TAG_PREFIX) + 1 :].upper())
    return tuple(p for p in prefixes if p.startswith(_ALL)), everything


def _apply_suppressions(ctx: Context, findings: list[Finding]) -> list[Finding]:
    by_cell: dict[int, tuple[tuple[str, ...], bool]] = {}
    named: list[str] = []
    for view in ctx.cells:
        found = suppressions(view)
        if found[0] or found[1]:
            by_cell[view.number] = found
            named.extend(found[0])
    if not by_cell:
        return findings
    kept = []
    for item in findings:
        if item.cell is None:
            hidden = any(item.code.startswith(p) for p in named)
        else:
            prefixes, everything = by_cell.get(item.cell, ((), False))
            hidden = everything or any(item.code.startswith(p) for p in prefixes)
        if not hidden:
            kept.append(item)
    return kept


def lint_notebook(nb: Notebook, size: int, options: LintOptions) -> list[Finding]:
    """Every enabled rule's unsuppressed findings, sorted by cell, line and code."""
    ctx = Context(nb, size, options)
    findings: list[Finding] = []
    for check in checkers():
        if check.codes & options.enabled:
            findings.extend(f for f in check.run(ctx) if f.code in options.enabled)
    findings = _apply_suppressions(ctx, findings)
    # a path, a %run name or a cell id can hold a token: every message leaves masked (the 3xx rules mask their own)
    findings = [
        f
        if f.code.startswith("NBG3")
        else f._replace(
            message=mask_text(f.message, options.secret_names, options.secret_min_entropy)
        )
        for f in findings
    ]
    findings.sort(key=lambda f: (f.cell or 0, f.line or 0, f.code))
    return findings
