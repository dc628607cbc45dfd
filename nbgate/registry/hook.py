"""Does a commit touch the registry or a promoted notebook? The ``nbgate-registry`` hook's quick filter.

pre-commit passes the hook every staged file (notebooks, twins, registry
files, anything else). A full ``registry verify`` is needed only when one
of them is in the registry folder, is the notebook of a schedule (its
latest revision, whatever its state) or that notebook's twin, or when the
index deletes one of them (pre-commit never passes deleted files). Anything
unexpected (an unreadable revision file, git failing) counts as relevant,
so the filter can only skip work, never a finding.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from nbgate import git
from nbgate.config import Config
from nbgate.errors import NbgateError
from nbgate.registry import store, yamlio
from nbgate.sync import pairing

#: A top-level ``notebook:`` line holding a plain path (no quotes, comments or spaces), as nbgate writes it.
_PLAIN_NOTEBOOK = re.compile(rb"^notebook: ([A-Za-z0-9_./@+=()-]+)\r?$", re.MULTILINE)


def _latest_notebooks(registry: Path) -> set[str] | None:
    """The notebook path (relative to the project root) of each schedule's latest revision; None if unsure."""
    notebooks: set[str] = set()
    with os.scandir(registry) as entries:
        for entry in entries:
            if not entry.is_dir() or entry.name.startswith("."):
                continue
            revisions = [
                (rev, name)
                for name in os.listdir(entry.path)
                if (rev := store.revision_number(name)) is not None
            ]
            if not revisions:
                continue
            try:
                with open(os.path.join(entry.path, max(revisions)[1]), "rb") as handle:
                    data = handle.read()
                plain = _PLAIN_NOTEBOOK.search(data)  # the canonical layout: no YAML parse needed
                document = {"notebook": plain.group(1).decode()} if plain else yamlio.loads(data)
            except Exception:  # noqa: BLE001 - unreadable or not YAML: let the full verify say so
                return None
            notebook = document.get("notebook") if isinstance(document, dict) else None
            if not isinstance(notebook, str):
                return None
            notebooks.add(os.path.normpath(notebook))
    return notebooks


def relevant(config: Config, paths: Sequence[str]) -> bool:
    """Whether verifying the registry can find anything new in a commit of ``paths``."""
    registry = store.registry_dir(config).resolve()
    if not registry.is_dir():
        return False
    try:
        files: Iterable[Path] = [*map(Path, paths), *git.deleted_in_index(git.root(config.root))]
        notebooks = _latest_notebooks(registry)
    except (OSError, NbgateError):
        return True
    if notebooks is None:
        return True
    root = config.root.resolve()
    spec, folder = str(config["sync.format"]), str(config["sync.folder"])
    watched = {root / name for name in notebooks}
    if config["sync.enabled"]:
        watched |= {pairing.twin_path(path, spec, folder) for path in list(watched)}
    for path in files:
        absolute = (Path.cwd() / path).resolve()
        if absolute.is_relative_to(registry) or absolute in watched:
            return True
    return False
