"""``nbgate strip [--check] [PATHS...]``: clear outputs, counts and volatile metadata."""

from __future__ import annotations

import argparse
import functools
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from nbgate import notebook, output
from nbgate.atomic import atomic_write
from nbgate.config import Config
from nbgate.errors import FAILED, OK, NotebookError
from nbgate.gate import FAIL as FAIL_STAGE
from nbgate.gate import PASS, StageResult
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
    except StripError as exc:  # nbstripout's rule: a contradiction is an error, the file stays as it is
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


def stage(config: Config, paths: Sequence[str]) -> StageResult:
    """The gate's strip stage: every covered notebook is strip-clean."""
    statuses = scan(config, paths, write=False)
    errors = [s.error for s in statuses if s.error]
    dirty = [f"{output.shown_path(s.path)}: {'; '.join(s.reasons)}" for s in statuses if s.reasons]
    if errors or dirty:
        summary = f"{len(dirty)} of {len(statuses)} need stripping" + (f", {len(errors)} unreadable" if errors else "")
        return StageResult("strip", FAIL_STAGE, summary, tuple(e for e in errors if e) + tuple(dirty))
    return StageResult("strip", PASS, f"{len(statuses)} notebook(s) clean")


def strip(*, config: Config, paths: Sequence[str] = (), check: bool = False) -> int:
    """Strip notebooks in place, or with ``check`` list the dirty ones. Returns the exit code."""
    statuses = scan(config, paths, write=not check)
    failed = False
    for status in statuses:
        if status.error:
            output.error(status.error)
            failed = True
        elif status.reasons:
            verb = "needs stripping" if check else "stripped"
            output.result(f"{output.shown_path(status.path)}: {verb}: {'; '.join(status.reasons)}")
            failed = failed or check
    if not check:
        changed = sum(1 for s in statuses if s.reasons and not s.error)
        output.echo(f"{changed} of {len(statuses)} notebook(s) stripped")
    # pre-commit treats a changed file as a failure by itself, so `strip` exits 0
    # after fixing files; --check is the read-only gate that exits 1.
    return FAILED if failed else OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate strip``."""
    parser = subparsers.add_parser("strip", help="clear outputs, execution counts and volatile metadata")
    parser.add_argument("paths", nargs="*", help="notebooks or folders (default: every covered notebook)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 listing dirty notebooks")
    parser.add_argument("--keep-outputs", action="store_true", default=None, help="keep all outputs")
    parser.set_defaults(
        overrides=lambda ns: {"strip.keep_outputs": ns.keep_outputs},
        run=lambda ns, config: strip(config=config, paths=ns.paths, check=ns.check),
    )
