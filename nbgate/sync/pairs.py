"""Which pairs a sync covers: the notebooks, twins or folders given, each notebook with its twin's path."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nbgate.config import Config
from nbgate.project import find_notebooks, is_covered
from nbgate.sync import pairing
from nbgate.sync.model import Pair


def find_pairs(config: Config, paths: Sequence[str] = ()) -> list[Pair]:
    """The pairs ``paths`` name: notebooks, twins or folders (default: every covered notebook).

    A twin is paired with the covered notebook it belongs to; any other text
    file (pre-commit passes every ``.py``) is not a twin and is skipped.
    """
    spec, folder = str(config["sync.format"]), str(config["sync.folder"])
    pairing.parse_format(spec)  # a bad format is a config error even with nothing to sync
    notebooks: list[Path] = []
    if not paths:
        notebooks = find_notebooks(config)
    else:
        given = [Path(p) for p in paths if Path(p).is_dir() or str(p).endswith(".ipynb")]
        notebooks = find_notebooks(config, given) if given else []
        twins: dict[Path, Path] | None = None
        for name in paths:
            path = Path(name)
            if path.is_dir() or name.endswith(".ipynb"):
                continue
            candidate = pairing.notebook_path(path, spec, folder)
            if candidate is not None:
                if candidate.is_file() and is_covered(candidate, config):
                    notebooks.append(candidate)
                continue
            if twins is None:  # the folder has '..': map every covered notebook's twin
                twins = {
                    pairing.twin_path(nb, spec, folder).resolve(): nb
                    for nb in find_notebooks(config)
                }
            if path.resolve() in twins:
                notebooks.append(twins[path.resolve()])
    seen: set[Path] = set()
    pairs = []
    for nb in notebooks:
        if nb.resolve() not in seen:
            seen.add(nb.resolve())
            pairs.append(Pair(nb, pairing.twin_path(nb, spec, folder)))
    return pairs
