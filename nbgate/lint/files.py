"""Lint on files: find the covered notebooks, lint each, and render the findings in a report format.

A file that cannot be read is reported as NBG000, an error, and the other
files are still checked. ``collect`` and ``render`` are what ``nbgate lint``,
its gate stage and ``nbgate ci``'s annotations share.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from nbgate import __version__, notebook, output
from nbgate.config import Config
from nbgate.errors import NotebookError
from nbgate.lint import formats
from nbgate.lint.engine import lint_notebook
from nbgate.lint.formats import Reported
from nbgate.lint.locate import file_line, source_keys
from nbgate.lint.options import Settings
from nbgate.lint.registry import ERROR, Finding, rules
from nbgate.project import find_notebooks

FORMATS = ("text", "json", "github", "sarif")


def display_path(path: Path) -> str:
    """``path`` relative to the working directory (``output.shown_path``)."""
    return output.shown_path(path)


def _uri(path: Path, root: Path) -> str:
    absolute = Path(os.path.abspath(path))
    try:
        return quote(absolute.relative_to(root).as_posix())
    except ValueError:
        return absolute.as_uri()


def collect(
    config: Config, paths: Sequence[str], *, locate: bool = False
) -> tuple[list[Reported], int]:
    """Lint every notebook in ``paths`` (default: all covered); return findings and the file count.

    ``locate`` maps findings to lines of the ``.ipynb`` file (for GitHub and SARIF).
    """
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
            reported.extend(
                Reported(shown, uri, f, file_line(keys, f.cell, f.line)) for f in findings
            )
        else:
            reported.extend(Reported(shown, uri, f) for f in findings)
    return reported, len(files)


def summary(reported: Sequence[Reported], files: int) -> tuple[int, int, str]:
    """Error count, warning count and the one-line summary of a lint run over ``files`` notebooks."""
    errors = sum(1 for r in reported if r.finding.severity == ERROR)
    warnings = len(reported) - errors
    dirty = len({r.path for r in reported})
    text = f"{errors} error(s), {warnings} warning(s) in {dirty} of {files} notebook(s)"
    return errors, warnings, text


def render(reported: Sequence[Reported], fmt: str, root: Path) -> str:
    """The report in ``fmt`` (text without colour; see ``nbgate.lint.command`` for the coloured terminal form)."""
    if fmt == "json":
        return formats.to_json(reported, rules())
    if fmt == "github":
        return formats.to_github(reported, rules())
    if fmt == "sarif":
        root_uri = root.resolve().as_uri().rstrip("/") + "/"
        return formats.to_sarif(reported, rules(), version=__version__, root_uri=root_uri)
    return "\n".join(formats.text_line(r) for r in reported)
