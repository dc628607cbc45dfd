"""Which notebooks a command covers: include/exclude globs over the project root."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable
from pathlib import Path

from nbgate.config import Config

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
        for name in sorted(filenames):
            if name.endswith(".ipynb"):
                path = Path(dirpath, name)
                if is_covered(path, config):
                    found.append(path)
    return found


def find_notebooks(config: Config, paths: Iterable[str | os.PathLike[str]] | None = None) -> list[Path]:
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
        found = _walk(path, config) if path.is_dir() else [path]
        for item in found:
            if item not in seen:
                seen.add(item)
                result.append(item)
    return result
