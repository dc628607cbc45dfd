"""The rule registry: every rule's code, severity, family, summary and example.

Each family module (``validity``, ``hygiene``, ``scheduling``, ``secrets``,
``complexity``) declares its rules with ``Rule(...)`` and registers the
checker functions that emit them with ``@checker(...)``. A checker may emit
several codes (one pass over a notebook for all secret kinds); the engine
runs it when any of its codes is enabled and drops what is not.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from nbgate.lint.context import Context

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


Check = Callable[["Context"], Iterable[Finding]]


class Checker(NamedTuple):
    """A function that inspects a notebook and the codes it may emit."""

    codes: frozenset[str]
    run: Check


_RULES: dict[str, Rule] = {}
_CHECKERS: list[Checker] = []
_loaded = False


def rule(code: str, name: str, severity: str, summary: str, example: str) -> Rule:
    """Declare a rule (called at import time of its family module)."""
    if code in _RULES:
        raise ValueError(f"rule {code} declared twice")
    if len(code) != 6 or not code.startswith("NBG") or not code[3:].isdigit() or code[3] not in FAMILIES:
        raise ValueError(f"bad rule code {code!r}")
    if severity not in (ERROR, WARNING):
        raise ValueError(f"bad severity {severity!r} for {code}")
    declared = Rule(code, name, severity, summary, example)
    _RULES[code] = declared
    return declared


def checker(*rules: Rule) -> Callable[[Check], Check]:
    """Register the decorated function as the checker emitting ``rules``."""

    def wrap(fn: Check) -> Check:
        _CHECKERS.append(Checker(frozenset(r.code for r in rules), fn))
        return fn

    return wrap


def _load() -> None:
    global _loaded
    if not _loaded:
        for name in _MODULES:
            importlib.import_module(f"nbgate.lint.{name}")
        _loaded = True


def rules() -> dict[str, Rule]:
    """Every rule by code, sorted by code."""
    _load()
    return dict(sorted(_RULES.items()))


def checkers() -> list[Checker]:
    """Every registered checker, in registration order."""
    _load()
    return list(_CHECKERS)


def finding(code: str, message: str, cell: int | None = None, line: int | None = None) -> Finding:
    """A finding for ``code`` at its rule's severity."""
    return Finding(code, _RULES[code].severity, message, cell, line)
