"""The benchmark corpus generator (``benchmarks/corpus.py``) for tests.

``benchmarks/`` is not a package, so this loads the module by path once.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

_PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "corpus.py"


def _module() -> ModuleType:
    name = "nbgate_benchmarks_corpus"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _PATH)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def generate(
    folder: Path,
    count: int = 300,
    *,
    seed: int = 0,
    dirty: bool = True,
    pair: bool = False,
    magics: bool = False,
) -> list[Path]:
    """See ``benchmarks/corpus.py``: deterministic realistic notebooks written into ``folder``."""
    paths: list[Path] = _module().generate(
        folder, count, seed=seed, dirty=dirty, pair=pair, magics=magics
    )
    return paths
