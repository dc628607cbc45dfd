"""Which notebooks a command covers: include/exclude globs over the project root."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable
from pathlib import Path

from nbgate.config import Config
from nbgate.errors import NotebookError

#: Folders never searched for notebooks (hidden folders are skipped too).
PRUNED = frozenset(("node_modules", "venv", "__pycache__", "site-packages", "registry-cache"))


@functools.lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Translate a ``**``-aware glob into a regex over ``/``-separated paths."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"(?:/.*)?\Z")


def matches(relative: str, patterns: Iterable[str]) -> bool:
    """True if the ``/``-separated relative path matches any glob (or lies under a match)."""
    return any(_glob_regex(p.strip("/")).match(relative) for p in patterns)


def _pruned(name: str) -> bool:
    return name.startswith(".") or name in PRUNED


def resolve(path: Path) -> Path:
    """``path.resolve()``, a symlink loop being a ``NotebookError`` naming the file (not a crash)."""
    try:
        return path.resolve()
    except (RuntimeError, OSError) as exc:  # RuntimeError before Python 3.13, OSError (ELOOP) after
        raise NotebookError(path, "is a symlink loop (too many levels of symbolic links)") from exc


def is_covered(path: Path, config: Config) -> bool:
    """Whether config's include/exclude cover ``path`` (a file under the root)."""
    try:
        relative = path.resolve().relative_to(config.root).as_posix()
    except ValueError:
        return False
    if any(_pruned(part) for part in relative.split("/")[:-1]):
        return False
    return matches(relative, config["include"]) and not matches(relative, config["exclude"])


def _walk(folder: Path, config: Config) -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not _pruned(d))
        # a folder named x.ipynb is reported (reading it fails, naming it), never silently skipped;
        # FIFOs, sockets and symlink loops are in filenames and fail the same way when read
        named = [d for d in dirnames if d.endswith(".ipynb")]
        dirnames[:] = [d for d in dirnames if not d.endswith(".ipynb")]
        for name in sorted((*filenames, *named)):
            if name.endswith(".ipynb"):
                path = Path(dirpath, name)
                resolve(
                    path
                )  # a symlink loop stops the command here, naming it, rather than deep inside
                if is_covered(path, config):
                    found.append(path)
    return found


def find_notebooks(
    config: Config, paths: Iterable[str | os.PathLike[str]] | None = None
) -> list[Path]:
    """The notebooks to work on.

    With no ``paths``, every covered notebook under the root. A file named
    explicitly is taken as given (pre-commit passes exactly the files it
    wants checked); a folder is searched with the include/exclude globs.
    """
    names = list(paths or [])
    if not names:
        return _walk(config.root, config)
    result: list[Path] = []
    seen: set[Path] = set()
    for name in names:
        path = Path(name)
        # a folder is searched, but one named like a notebook is taken as given (and fails to read)
        found = _walk(path, config) if path.is_dir() and path.suffix != ".ipynb" else [path]
        for item in found:
            resolve(item)
            if item not in seen:
                seen.add(item)
                result.append(item)
    return result
