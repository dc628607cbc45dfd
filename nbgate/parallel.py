"""Spread a per-file function over forked processes when there are many files.

Hooks get hundreds of notebooks at once (``pre-commit run --all-files``, a
first ``nbgate strip`` on a repository). Parsing and re-encoding them is pure
CPU work, so ``map_files`` forks one worker per extra CPU, each taking every
n-th item, and runs the last share itself. ``fork`` keeps it cheap (no
re-import, no pickling of the function); results come back pickled through a
pipe, in input order. Where ``fork`` is missing, for a few items, or when
other threads are running (a forked child could inherit a held lock), it is
a plain loop; so it is with the ``parallel-workers`` fast path off
(``nbgate.fastpaths``). The function must not print; an exception in a worker is raised
again in the caller.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from nbgate import fastpaths

T = TypeVar("T")
R = TypeVar("R")

#: Below this many items the fork costs more than it saves.
MIN_ITEMS = 24


def cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def map_files(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    workers: int | None = None,
    min_items: int = MIN_ITEMS,
) -> list[R]:
    """``[fn(item) for item in items]``, spread over up to ``workers`` processes (default: CPUs)."""
    return map_shares(functools.partial(_each, fn), items, workers=workers, min_items=min_items)


def _each(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    return [fn(item) for item in items]


def map_shares(
    fn: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    *,
    workers: int | None = None,
    min_items: int = MIN_ITEMS,
) -> list[R]:
    """Like ``map_files``, but ``fn`` gets a whole share and returns one result per item.

    For work that sets something up once per process (a thread pool for
    writes, a cache) or must finish before the share's results count.
    """
    # every process gets at least half of ``min_items``
    count = min(workers or cpus(), len(items) * 2 // max(2, min_items))
    if count < 2 or len(items) < min_items or not _can_fork():
        return _checked(fn, items)
    import pickle

    sys.stdout.flush()
    sys.stderr.flush()
    children: list[tuple[int, int]] = []
    try:
        for share in range(count - 1):
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child's coverage is not collected
                os.close(read_end)
                _child(fn, items[share::count], write_end, pickle.dumps)
            os.close(write_end)
            children.append((pid, read_end))
        mine = _checked(fn, items[count - 1 :: count])
        shares: list[list[R]] = []
        for pid, read_end in list(children):
            with os.fdopen(read_end, "rb") as pipe:
                payload = pipe.read()
            _, status = os.waitpid(pid, 0)
            children.remove((pid, read_end))
            if not payload:
                raise RuntimeError(f"worker process {pid} died (status {status})")
            ok, value = pickle.loads(payload)
            if not ok:
                raise value
            shares.append(value)
        shares.append(mine)
    finally:
        for pid, read_end in children:  # only after an error: do not leave zombies or open pipes
            try:
                os.close(read_end)
            except OSError:
                pass
            os.waitpid(pid, 0)
    results: list[R] = [None] * len(items)  # type: ignore[list-item]
    for share, values in enumerate(shares):
        results[share::count] = values
    return results


def _can_fork() -> bool:
    """Whether forking workers is possible, safe and wanted (the ``parallel-workers`` fast path)."""
    return hasattr(os, "fork") and not _threaded() and fastpaths.enabled("parallel-workers")


def _threaded() -> bool:
    """Whether other threads run here: forking then could copy a lock another thread holds."""
    threading = sys.modules.get("threading")
    return threading is not None and threading.active_count() > 1


def _checked(fn: Callable[[Sequence[T]], list[R]], items: Sequence[T]) -> list[R]:
    results = fn(items)
    if len(results) != len(items):
        raise RuntimeError(f"{fn!r} returned {len(results)} results for {len(items)} items")
    return results


def _child(
    fn: Callable[[Any], Any], items: Sequence[Any], write_end: int, dumps: Callable[[Any], bytes]
) -> None:  # pragma: no cover - runs in the child
    code = 0
    try:
        try:
            payload = dumps((True, _checked(fn, items)))
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
            code = 1
            try:
                payload = dumps((False, exc))
            except Exception:  # noqa: BLE001 - an exception that cannot be pickled
                payload = dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
    finally:
        os._exit(code)
