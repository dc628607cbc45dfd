"""``nbgate lint [--format text|json|github|sarif] [PATHS...]``: check notebooks against the NBG rules.

Exit 1 when any error-level finding remains (warnings alone exit 0). A file
that cannot be read is reported as NBG000, an error, and the other files
are still checked. The rules live in ``nbgate.lint``, imported when the
command runs so that ``nbgate``'s start-up stays fast.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from nbgate import __version__, notebook, output
from nbgate.atomic import atomic_write
from nbgate.config import Config
from nbgate.errors import FAILED, OK, NotebookError, UsageError
from nbgate.project import find_notebooks

if TYPE_CHECKING:
    from nbgate.gate import StageResult
    from nbgate.lint.formats import Reported

FORMATS = ("text", "json", "github", "sarif")
_COLOURS = {"error": "red", "warning": "yellow"}


def display_path(path: Path) -> str:
    """``path`` relative to the working directory (``output.shown_path``)."""
    return output.shown_path(path)


def _uri(path: Path, root: Path) -> str:
    from urllib.parse import quote

    absolute = Path(os.path.abspath(path))
    try:
        return quote(absolute.relative_to(root).as_posix())
    except ValueError:
        return absolute.as_uri()


def collect(config: Config, paths: Sequence[str], *, locate: bool = False) -> tuple[list[Reported], int]:
    """Lint every notebook in ``paths`` (default: all covered); return findings and the file count.

    ``locate`` maps findings to lines of the ``.ipynb`` file (for GitHub and SARIF).
    """
    from nbgate.lint import Settings, lint_notebook
    from nbgate.lint.formats import Reported
    from nbgate.lint.locate import file_line, source_keys
    from nbgate.lint.registry import ERROR, Finding

    settings = Settings.from_config(config.values, config.root)
    files = find_notebooks(config, paths)
    reported: list[Reported] = []
    for path in files:
        shown, uri = display_path(path), _uri(path, config.root)
        try:
            loaded = notebook.read(path)
        except NotebookError as exc:
            what = f"{exc.what} ({exc.where})" if exc.where else exc.what
            reported.append(Reported(shown, uri, Finding("NBG000", ERROR, what)))
            continue
        findings = lint_notebook(loaded.nb, len(loaded.raw), settings.for_path(path))
        if findings and locate:
            keys = source_keys(loaded.raw, len(loaded.nb["cells"]))
            reported.extend(Reported(shown, uri, f, file_line(keys, f.cell, f.line)) for f in findings)
        else:
            reported.extend(Reported(shown, uri, f) for f in findings)
    return reported, len(files)


def _summary(reported: Sequence[Reported], files: int) -> tuple[int, int, str]:
    errors = sum(1 for r in reported if r.finding.severity == "error")
    warnings = len(reported) - errors
    dirty = len({r.path for r in reported})
    text = f"{errors} error(s), {warnings} warning(s) in {dirty} of {files} notebook(s)"
    return errors, warnings, text


def render(reported: Sequence[Reported], fmt: str, root: Path) -> str:
    """The report in ``fmt`` (text without colour; see ``lint`` for the coloured terminal form)."""
    from nbgate.lint import formats, rules

    if fmt == "json":
        return formats.to_json(reported, rules())
    if fmt == "github":
        return formats.to_github(reported, rules())
    if fmt == "sarif":
        root_uri = root.resolve().as_uri().rstrip("/") + "/"
        return formats.to_sarif(reported, rules(), version=__version__, root_uri=root_uri)
    return "\n".join(formats.text_line(r) for r in reported)


def list_rules(fmt: str) -> int:
    """Print every rule (a table, or JSON with ``--format json``)."""
    from nbgate.lint import rules

    if fmt == "json":
        import json

        data = [{"code": r.code, "name": r.name, "severity": r.severity, "family": r.family,
                 "summary": r.summary, "example": r.example} for r in rules().values()]
        output.result(json.dumps(data, indent=2))
    else:
        rows = [[r.code, r.name, r.severity, r.family] for r in rules().values()]
        output.result(output.table(["code", "name", "severity", "family"], rows))
    return OK


def lint(*, config: Config, paths: Sequence[str] = (), fmt: str = "text", output_file: str | None = None) -> int:
    """Lint notebooks and print the findings in ``fmt``. Returns 1 when an error-level finding remains."""
    from nbgate.lint.formats import text_line

    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    reported, files = collect(config, paths, locate=fmt in ("github", "sarif"))
    errors, _, summary = _summary(reported, files)
    if output_file is not None:
        text = render(reported, fmt, config.root)
        atomic_write(output_file, (text + "\n").encode() if text else b"")
        output.echo(f"{summary}; report written to {output_file}")
    elif fmt == "text":
        colour = output.use_color()
        for item in reported:
            code = item.finding.code
            if colour:
                code = output.style(code, _COLOURS.get(item.finding.severity, "bold"))
            output.result(text_line(item, code))
        output.echo(summary if reported else f"{files} notebook(s) clean")
    else:
        text = render(reported, fmt, config.root)
        if text:
            output.result(text)
    return FAILED if errors else OK


def stage(config: Config, paths: Sequence[str]) -> StageResult:
    """The gate's ``lint`` stage: fails on any error-level finding; warnings are listed."""
    from nbgate.gate import FAIL, PASS, StageResult
    from nbgate.lint.formats import text_line

    reported, files = collect(config, paths)
    errors, _, summary = _summary(reported, files)
    details = tuple(f"{r.finding.severity}: {text_line(r)}" for r in reported)
    return StageResult("lint", FAIL if errors else PASS, summary if reported else f"{files} notebook(s) clean",
                       details)


def _codes(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate lint``."""
    parser = subparsers.add_parser("lint", help="check notebooks for validity, hygiene, scheduling and secrets")
    parser.add_argument("paths", nargs="*", help="notebooks or folders (default: every covered notebook)")
    parser.add_argument("--format", choices=FORMATS, default="text", dest="fmt", help="report format")
    parser.add_argument("--select", type=_codes, action="append", metavar="CODES",
                        help="only these rule codes or prefixes, comma-separated (replaces lint.select)")
    parser.add_argument("--ignore", type=_codes, action="append", metavar="CODES",
                        help="skip these rule codes or prefixes, comma-separated (replaces lint.ignore)")
    parser.add_argument("-o", "--output", metavar="FILE", dest="output_file",
                        help="write the report to FILE instead of standard output")
    parser.add_argument("--list-rules", action="store_true", help="list every rule and exit")
    parser.set_defaults(
        overrides=lambda ns: {
            "lint.select": [c for group in ns.select for c in group] if ns.select else None,
            "lint.ignore": [c for group in ns.ignore for c in group] if ns.ignore else None,
        },
        run=_run,
    )


def _run(ns: argparse.Namespace, config: Config) -> int:
    if ns.list_rules:
        return list_rules(ns.fmt)
    return lint(config=config, paths=ns.paths, fmt=ns.fmt, output_file=ns.output_file)
