"""Atomic file replacement: a reader (or a crash) never sees a half-written file."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def write_synced(fd: int, data: bytes) -> None:
    """Write all of ``data`` to the open descriptor ``fd`` and flush it to disk (short writes retried)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.fsync(fd)


def atomic_write(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically, keeping its permission bits.

    The bytes go to a temporary file in the same folder, are flushed to disk
    and renamed over the target, so a reader (or a crash) never sees a
    half-written file. A symlink is followed: its target is replaced, the
    link stays.
    """
    target = Path(path)
    if os.path.islink(target):
        target = Path(os.path.realpath(target))
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None  # a new file: 0o666 less the umask, as open() would give
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        # os.open + a random name: tempfile.mkstemp costs twice as much per file
        tmp = target.with_name(f".{target.name}.{os.urandom(6).hex()}.nbgate-tmp")
        try:
            fd = os.open(tmp, flags, 0o666 if mode is None else 0o600)
            break
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue
    try:
        try:
            write_synced(fd, data)
            if mode is not None:
                if hasattr(os, "fchmod"):
                    os.fchmod(fd, mode)
                else:  # pragma: no cover - Windows
                    os.chmod(tmp, mode)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
