"""The rule registry: every rule's code, severity, family, summary and example.

Each family module (``validity``, ``hygiene``, ``scheduling``, ``secrets``,
``complexity``) declares its rules with ``rule(...)`` and registers the
checker functions that emit them with ``nbgate.lint.checkers.checker``.
This module sits below the options and the per-notebook ``Context``, so it
knows rules and findings but nothing of how a notebook is inspected.
"""

from __future__ import annotations

import importlib
from typing import NamedTuple

ERROR = "error"
WARNING = "warning"

#: Family name by the code's first digit, in the order the README lists them.
FAMILIES = {"0": "validity", "1": "hygiene", "2": "scheduling", "3": "secrets", "4": "complexity"}
_MODULES = ("validity", "hygiene", "scheduling", "secrets", "complexity")


class Rule(NamedTuple):
    """One lint rule as users see it (README, ``--list-rules``, SARIF metadata)."""

    code: str
    name: str
    severity: str
    summary: str
    example: str

    @property
    def family(self) -> str:
        """``validity``, ``hygiene``, ``scheduling``, ``secrets`` or ``complexity``."""
        return FAMILIES[self.code[3]]


class Finding(NamedTuple):
    """One problem in one notebook. ``cell`` and ``line`` are 1-based or None."""

    code: str
    severity: str
    message: str
    cell: int | None = None
    line: int | None = None


_RULES: dict[str, Rule] = {}
_loaded = False


def rule(code: str, name: str, severity: str, summary: str, example: str) -> Rule:
    """Declare a rule (called at import time of its family module)."""
    if code in _RULES:
        raise ValueError(f"rule {code} declared twice")
    if (
        len(code) != 6
        or not code.startswith("NBG")
        or not code[3:].isdigit()
        or code[3] not in FAMILIES
    ):
        raise ValueError(f"bad rule code {code!r}")
    if severity not in (ERROR, WARNING):
        raise ValueError(f"bad severity {severity!r} for {code}")
    declared = Rule(code, name, severity, summary, example)
    _RULES[code] = declared
    return declared


def load_families() -> None:
    """Import every family module once, so that all rules and checkers are declared."""
    global _loaded  # noqa: PLW0603 - a process-wide cache, set once
    if not _loaded:
        for name in _MODULES:
            importlib.import_module(f"nbgate.lint.{name}")
        _loaded = True


def rules() -> dict[str, Rule]:
    """Every rule by code, sorted by code."""
    load_families()
    return dict(sorted(_RULES.items()))


def finding(code: str, message: str, cell: int | None = None, line: int | None = None) -> Finding:
    """A finding for ``code`` at its rule's severity."""
    return Finding(code, _RULES[code].severity, message, cell, line)
