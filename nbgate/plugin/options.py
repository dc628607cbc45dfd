"""The pytest plugin's options: checked and turned into nbgate's config (no heavy imports)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from nbgate.config import Config


def seconds(config: pytest.Config, option: str) -> float | None:
    """The value of ``--<option>`` in seconds (None when not given); a usage error unless >= 0."""
    text = config.getoption(option.replace("-", "_").lstrip("_"))
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also rejects NaN
        raise pytest.UsageError(f"--{option}: expected a number of seconds >= 0, got {text!r}")
    return value


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """``"2/3"`` into ``(2, 3)``; a ``pytest.UsageError`` for anything else."""
    if text is None:
        return None
    index, sep, count = text.partition("/")
    try:
        i, n = int(index), int(count)
    except ValueError:
        i = n = 0
    if not sep or n < 1 or not 1 <= i <= n:
        raise pytest.UsageError(f"--nbgate-shard: expected I/N with 1 <= I <= N, got {text!r}")
    return i, n


def start_dir(config: pytest.Config) -> Path:
    """Where to look for ``[tool.nbgate]``: the common folder of the paths pytest was given.

    Not pytest's rootdir: that is the nearest pytest ini file, which for a
    project inside a larger repository is the repository's, and the
    evidence ledger must land where ``nbgate promote`` for that project
    (which walks up from the notebook's project) will look.
    """
    base = config.invocation_params.dir
    folders = []
    for arg in config.args:
        path = (base / str(arg).split("::")[0]).resolve()
        if path.exists():
            folders.append(str(path if path.is_dir() else path.parent))
    return Path(os.path.commonpath(folders)) if folders else base


def load_config(config: pytest.Config, overrides: dict[str, Any] | None = None) -> Config:
    """The project's ``[tool.nbgate]`` for this pytest run; a usage error if it is invalid."""
    from nbgate import config as config_module
    from nbgate.errors import NbgateError

    try:
        return config_module.load(start_dir(config), overrides=overrides)
    except NbgateError as exc:
        raise pytest.UsageError(f"nbgate: {exc}") from None
