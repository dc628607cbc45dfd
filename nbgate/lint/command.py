"""``nbgate lint``: print the findings in a format, or the rule list; exit 1 on an error-level finding.

Warnings alone exit 0.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from nbgate import output
from nbgate.atomic import atomic_write
from nbgate.config import Config
from nbgate.errors import FAILED, OK, UsageError
from nbgate.lint.files import FORMATS, collect, render, summary
from nbgate.lint.formats import text_line
from nbgate.lint.registry import rules

_COLOURS = {"error": "red", "warning": "yellow"}


def list_rules(fmt: str) -> int:
    """Print every rule (a table, or JSON with ``--format json``)."""
    if fmt == "json":
        data = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.severity,
                "family": r.family,
                "summary": r.summary,
                "example": r.example,
            }
            for r in rules().values()
        ]
        output.result(json.dumps(data, indent=2))
    else:
        rows = [[r.code, r.name, r.severity, r.family] for r in rules().values()]
        output.result(output.table(["code", "name", "severity", "family"], rows))
    return OK


def lint(
    *,
    config: Config,
    paths: Sequence[str] = (),
    fmt: str = "text",
    output_file: str | None = None,
    show_rules: bool = False,
) -> int:
    """Lint notebooks and print the findings in ``fmt`` (``show_rules``: list the rules instead).

    Returns 1 when an error-level finding remains.
    """
    if show_rules:
        return list_rules(fmt)
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    reported, files = collect(config, paths, locate=fmt in ("github", "sarif"))
    errors, _, text_summary = summary(reported, files)
    if output_file is not None:
        text = render(reported, fmt, config.root)
        atomic_write(output_file, (text + "\n").encode() if text else b"")
        output.echo(f"{text_summary}; report written to {output_file}")
    elif fmt == "text":
        colour = output.use_color()
        for item in reported:
            code = item.finding.code
            if colour:
                code = output.style(code, _COLOURS.get(item.finding.severity, "bold"))
            output.result(text_line(item, code))
        output.echo(text_summary if reported else f"{files} notebook(s) clean")
    else:
        text = render(reported, fmt, config.root)
        if text:
            output.result(text)
    return FAILED if errors else OK
