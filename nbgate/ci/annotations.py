"""``nbgate ci``'s annotations: one ``::error``/``::warning`` workflow command per finding.

Lint's findings come as lint's own ``--format github`` lines (pointing at
file lines); every other stage's details become annotations too, on the
file a detail names (``path: message``). Everything is escaped by
``nbgate.github`` and secrets are masked as lint masks them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from nbgate import github
from nbgate.ci.checks import Outcome
from nbgate.config import Config
from nbgate.gate import FAIL, SKIP
from nbgate.lint.files import collect, render
from nbgate.lint.registry import WARNING
from nbgate.lint.secrets import mask_text

_FILE = re.compile(
    r"^(?P<file>[^:\n]+?\.(?:ipynb|py|ya?ml|md|R|jl))(?::(?P<where>[^:\s][^:\n]*))?: (?P<message>.*)$",
    re.DOTALL,
)


def annotation(level: str, detail: str, title: str, root: Path) -> str:
    """A ``::error``/``::warning`` line; ``detail`` of the form ``path: message`` becomes a file annotation."""
    detail = mask_text(detail)
    match = _FILE.match(detail)
    if not match:
        return github.annotation(level, detail, title=title)
    name = match["file"]
    try:
        name = Path(os.path.abspath(name)).relative_to(root).as_posix()
    except ValueError:
        pass
    message = f"{match['message']} ({match['where']})" if match["where"] else match["message"]
    return github.annotation(level, message, file=name, title=title)


def annotation_lines(
    config: Config, repo: Path, outcomes: Sequence[Outcome], notebooks: Sequence[str]
) -> tuple[list[str], int]:
    """The annotation lines for ``outcomes`` and how many of them are warnings."""
    lines: list[str] = []
    warnings = 0
    lint_done = any(o.result.name == "lint" and o.result.status != SKIP for o in outcomes)
    if lint_done:
        reported, _ = collect(config, notebooks, locate=True)
        text = render(reported, "github", config.root)
        lines += text.splitlines() if text else []
        warnings += sum(1 for r in reported if r.finding.severity == WARNING)
    for outcome in outcomes:
        result = outcome.result
        if (result.name == "lint" and lint_done) or result.status == SKIP:
            continue
        level = "error" if result.status == FAIL else "warning"
        lines += [
            annotation(level, detail, f"nbgate {result.name}", repo) for detail in result.details
        ]
        warnings += len(result.details) if level == "warning" else 0
    return lines, warnings
