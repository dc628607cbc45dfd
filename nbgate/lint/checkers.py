"""The checker registry: the functions that inspect a notebook (a ``Context``) and the codes each emits.

A checker may emit several codes (one pass over a notebook for all secret
kinds); the engine runs it when any of its codes is enabled and drops what
is not. Kept apart from ``nbgate.lint.registry`` (rules and findings, which
the options need) because a checker's type names ``Context``, which itself
needs the options: this module sits above both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

from nbgate.lint.context import Context
from nbgate.lint.registry import Finding, Rule, load_families

Check = Callable[[Context], Iterable[Finding]]


class Checker(NamedTuple):
    """A function that inspects a notebook and the codes it may emit."""

    codes: frozenset[str]
    run: Check


_CHECKERS: list[Checker] = []


def checker(*rules: Rule) -> Callable[[Check], Check]:
    """Register the decorated function as the checker emitting ``rules``."""

    def wrap(fn: Check) -> Check:
        _CHECKERS.append(Checker(frozenset(r.code for r in rules), fn))
        return fn

    return wrap


def checkers() -> list[Checker]:
    """Every registered checker, in registration order."""
    load_families()
    return list(_CHECKERS)
