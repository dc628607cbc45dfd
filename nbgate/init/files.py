"""What ``nbgate init`` does to one file: the ``Step`` record and the careful writers every step uses.

A file is created, extended as text (never re-serialised, so its comments
and layout stay) or, with ``--force``, replaced; every write is atomic.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from nbgate import __version__
from nbgate.atomic import atomic_write

#: Where the Action is published; ``--action`` points the workflow elsewhere (a fork, a pinned sha).
ACTION = f"nbgate/nbgate@v{__version__}"
MARK = "Written by `nbgate init`"

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
KEPT = "kept"
REPLACED = "replaced"


class Step(NamedTuple):
    """What init did to one file."""

    path: Path
    action: str
    note: str = ""


REGISTRY_README = f"""# Schedule registry

{MARK}. One folder per production schedule, one immutable file per
revision (`<name>/0001.yaml`, ...), written by `nbgate promote` and checked
by `nbgate registry verify`. Review changes here like code.
"""


def write_new(path: Path, text: str, force: bool) -> Step:
    """Create ``path``; when it exists with other content, replace it only with ``force``."""
    data = text.encode("utf-8")
    if path.exists():
        if path.read_bytes() == data:
            return Step(path, UNCHANGED)
        if not force:
            return Step(path, KEPT, "exists with other content; --force replaces it")
        atomic_write(path, data)
        return Step(path, REPLACED)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, data)
    return Step(path, CREATED)


def glue(old: str, *, blank_line: bool) -> str:
    """What goes between a file's text and an addition: a line break, and a blank line if asked."""
    if not old or old.endswith("\n\n") or (old.endswith("\n") and not blank_line):
        return ""
    if old.endswith("\n"):
        return "\n"
    return "\n\n" if blank_line else "\n"


def append(path: Path, old: str, addition: str, *, blank_line: bool) -> None:
    """Write ``old`` plus ``addition`` (glued on) to ``path``."""
    atomic_write(path, (old + glue(old, blank_line=blank_line) + addition).encode("utf-8"))


def gitignore_step(root: Path, state_dir: str) -> Step:
    """Make sure git ignores the state folder."""
    path = root / ".gitignore"
    entry = state_dir.strip("/") + "/"
    if not path.exists():
        atomic_write(
            path, f"# nbgate's local state: runs, evidence, ci reports\n{entry}\n".encode()
        )
        return Step(path, CREATED)
    old = path.read_text(encoding="utf-8")
    names = {line.strip().strip("/") for line in old.splitlines()}
    if entry.strip("/") in names:
        return Step(path, UNCHANGED)
    append(path, old, f"{entry}\n", blank_line=False)
    return Step(path, UPDATED, f"added {entry}")


def registry_step(root: Path, registry: str) -> Step:
    """Create the registry folder with a README (git keeps no empty folders)."""
    folder = root / registry
    if folder.is_dir() and any(folder.iterdir()):
        return Step(folder, UNCHANGED)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / "README.md", REGISTRY_README.encode("utf-8"))
    return Step(folder, CREATED)
