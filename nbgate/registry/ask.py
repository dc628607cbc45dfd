"""Asking the user before a step that cannot be taken back (a promotion, retiring a schedule)."""

from __future__ import annotations

import sys

from nbgate.errors import UsageError


def confirm(question: str, yes: bool) -> bool:
    """True if ``yes`` or the user answers yes; ``UsageError`` when there is no terminal to ask on."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError("not a terminal: pass --yes to confirm")
    answer = input(f"{question} [y/N] ").strip().lower()
    return answer in ("y", "yes")
