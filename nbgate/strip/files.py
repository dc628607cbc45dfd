"""Strip on files: read each notebook, apply the transform, write it back only when it changed.

``check_file`` is one notebook (promotion asks it too); ``scan`` is every
covered notebook under some paths, spread over worker processes.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from nbgate import notebook
from nbgate.atomic import atomic_write
from nbgate.config import Config
from nbgate.errors import NotebookError
from nbgate.parallel import map_shares
from nbgate.project import find_notebooks
from nbgate.strip.transform import StripError, StripOptions, strip_notebook

_LAYOUT = "not in nbformat's layout (whitespace, key order, transient keys)"


class FileStatus(NamedTuple):
    """What strip found in one file."""

    path: Path
    reasons: tuple[str, ...]
    error: str | None = None


def _stripped(path: Path, options: StripOptions) -> tuple[FileStatus, bytes | None]:
    """What strip finds in one notebook, and the bytes to write when it is dirty."""
    try:
        loaded = notebook.read(path)
    except NotebookError as exc:
        return FileStatus(path, (), str(exc)), None
    try:
        result = strip_notebook(loaded.nb, options)
    except (
        StripError
    ) as exc:  # nbstripout's rule: a contradiction is an error, the file stays as it is
        return FileStatus(path, (), str(NotebookError(path, exc.what, f"cell {exc.number}"))), None
    data = notebook.dumps(result.nb, crlf=loaded.crlf)
    if data == loaded.raw:
        return FileStatus(path, ()), None
    return FileStatus(path, result.reasons or (_LAYOUT,)), data


def _write(status: FileStatus, data: bytes) -> FileStatus:
    try:
        atomic_write(status.path, data)
    except OSError as exc:  # a read-only file or folder is the user's problem, not a bug
        return status._replace(error=f"{status.path}: cannot write: {exc.strerror or exc}")
    return status


def check_file(path: Path, options: StripOptions, *, write: bool) -> FileStatus:
    """Strip one notebook; write it back when ``write`` and it changed."""
    status, data = _stripped(path, options)
    return _write(status, data) if write and data is not None else status


def _scan_share(paths: Sequence[Path], *, options: StripOptions, write: bool) -> list[FileStatus]:
    if not write or len(paths) < 2:
        return [check_file(path, options, write=write) for path in paths]
    # stdlib, but only worth its import (threads, queues) when writing many files
    from concurrent.futures import Future, ThreadPoolExecutor

    # fsync waits for the disk, not the CPU: let it overlap the next notebooks' parsing
    pending: list[FileStatus | Future[FileStatus]] = []
    with ThreadPoolExecutor(max_workers=4) as pool:
        for path in paths:
            status, data = _stripped(path, options)
            pending.append(status if data is None else pool.submit(_write, status, data))
    return [item if isinstance(item, FileStatus) else item.result() for item in pending]


def scan(config: Config, paths: Sequence[str], *, write: bool) -> list[FileStatus]:
    """Strip (or check) every covered notebook in ``paths``."""
    options = StripOptions.from_config(config.section("strip"))
    work = functools.partial(_scan_share, options=options, write=write)
    return map_shares(work, find_notebooks(config, paths))
