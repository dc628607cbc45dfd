"""``nbgate lint``: the NBG rules, their options and the engine, plus lint on files and the gate stage.

The core (``engine``, ``registry``, ``checkers``, the rule families) is pure:
no files, no printing. ``files`` lints files, ``command`` is ``nbgate lint``
and ``stage`` the gate's lint stage.
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
