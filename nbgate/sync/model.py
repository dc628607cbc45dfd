"""What sync works on and reports: a pair (a notebook and its twin), both sides as read, and one report per pair."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from nbgate import notebook

IN_SYNC = "in sync"
CREATED = "created"
UPDATED_TWIN = "updated twin"
UPDATED_NOTEBOOK = "updated notebook"
MISSING = "missing twin"
OUT_OF_SYNC = "out of sync"
CONFLICT = "conflict"
UNDECIDED = "undecided"
REFUSED_PAIR = "refused"
ERROR = "error"
FAILURES = frozenset((MISSING, OUT_OF_SYNC, CONFLICT, UNDECIDED, ERROR))


class Pair(NamedTuple):
    """A notebook and the path of its text twin."""

    notebook: Path
    twin: Path


class Report(NamedTuple):
    """What sync found (and did) for one pair."""

    pair: Pair
    status: str
    message: str = ""
    diff: str = ""


class Loaded(NamedTuple):
    """Both sides of a pair as read, with their identities."""

    pair: Pair
    nb: notebook.Loaded
    nb_sha: str
    text: str
    crlf: bool
    text_sha: str


def show(path: Path) -> Path:
    """``path`` relative to the working directory when it is under it (for messages)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path
