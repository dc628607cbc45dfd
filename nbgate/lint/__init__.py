"""``nbgate lint``'s core: rules, options and the engine. Pure: no files, no printing.

``lint_notebook(nb, size, options)`` returns the findings for one parsed
notebook; ``rules()`` lists every rule; ``Settings.from_config`` resolves
the ``lint.*`` configuration and ``Settings.for_path`` one notebook's options.
"""

from __future__ import annotations

from nbgate.lint.engine import lint_notebook
from nbgate.lint.options import LintOptions, Settings
from nbgate.lint.registry import ERROR, WARNING, Finding, Rule, rules

__all__ = [
    "ERROR",
    "WARNING",
    "Finding",
    "LintOptions",
    "Rule",
    "Settings",
    "lint_notebook",
    "rules",
]
