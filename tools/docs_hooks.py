"""MkDocs hook: replace ``<!-- nbgate-reference: NAME -->`` markers with text generated from the code.

Named in ``mkdocs.yml`` (``hooks:``). The generators live in
``nbgate.reference`` and (the command-line page) ``nbgate.cli.reference``; a page
never holds a pasted copy of an options table, rule list or ``--help`` text.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

MARKER = re.compile(r"<!--\s*nbgate-reference:\s*([a-z-]+)\s*-->")


HOOKS_FILE = Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml"


def hooks_markdown() -> str:
    """The hooks of ``.pre-commit-hooks.yaml``: id, what runs, which files."""
    lines = ["| id | runs | files | what it does |", "|---|---|---|---|"]
    for hook in yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8")):
        files = hook.get("files") or ", ".join(hook.get("types_or", hook.get("types", [])))
        files = files.replace("|", "\\|")
        lines.append(
            f"| `{hook['id']}` | `{hook['entry']}` | `{files}` | {hook.get('description', '')} |"
        )
    return "\n".join(lines)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Expand every reference marker on the page (an unknown name fails the build)."""
    os.environ.setdefault("COLUMNS", "100")  # argparse wraps --help to this width
    from nbgate.cli.reference import cli_markdown
    from nbgate.reference import GENERATORS

    generators = {**GENERATORS, "cli": cli_markdown, "hooks": hooks_markdown}

    def expand(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in generators:
            raise ValueError(
                f"unknown nbgate-reference marker {name!r} (known: {', '.join(generators)})"
            )
        return generators[name]()

    return MARKER.sub(expand, markdown)
