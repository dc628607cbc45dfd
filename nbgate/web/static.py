"""``nbgate serve --static DIR``: the same pages written as files, for GitHub Pages or a bucket.

Folder layout equals the server's addresses (``schedules/<name>/index.html``
...), so every relative link works in both. Names come from the registry
(validated schedule names) and the run index (integer row ids), never from
elsewhere. New files are written in place, changed ones replaced whole
(temp file and rename), unchanged ones left alone (a crash leaves at worst a
short new file, which the next run finds different and replaces); an output
notebook's HTML is rendered again only when the notebook changed (outputs
are immutable, so republishing costs only the new runs).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from nbgate.errors import NbgateError, UsageError
from nbgate.production.index import RunRecord
from nbgate.registry.model import is_name
from nbgate.web.pagekit import ASSET_NAMES, ASSETS, NotFound
from nbgate.web.pages import Pages


class Published(NamedTuple):
    """What a static export wrote."""

    pages: int
    written: int
    notebooks: int
    seconds: float


class _Writer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.pages = 0
        self.written = 0
        self._root = str(root)
        self._folders: set[str] = set()  # made by this writer: no mkdir per page

    def put(self, relative: str, data: bytes) -> bool:
        target = os.path.join(self._root, relative)
        self.pages += 1
        try:
            if os.stat(target).st_size == len(data):
                with open(target, "rb") as handle:
                    if handle.read() == data:
                        return False
        except FileNotFoundError:
            folder = os.path.dirname(target)
            if folder not in self._folders:
                os.makedirs(folder, exist_ok=True)
                self._folders.add(folder)
            try:  # a new file: nobody can be reading an older version of it
                with open(target, "xb") as handle:
                    handle.write(data)
                self.written += 1
                return True
            except FileExistsError:
                pass
        # a changed file is replaced whole (temp file and rename): a reader never sees half a page;
        # no fsync, a site can always be written again
        temp = os.path.join(
            os.path.dirname(target), f".{os.path.basename(target)}.{os.getpid()}.tmp"
        )
        with open(temp, "wb") as handle:
            handle.write(data)
        os.replace(temp, target)
        self.written += 1
        return True


def publish(
    pages: Pages, folder: Path, progress: Callable[[str], None] = lambda _: None
) -> Published:
    """Write every page of ``pages`` under ``folder`` (created if missing)."""
    started = time.monotonic()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--static {folder}: not a folder")
    out = _Writer(folder)
    for name in ASSET_NAMES:
        out.put(f"assets/{name}", (ASSETS / name).read_bytes())
    out.put("index.html", pages.schedules().encode())
    out.put("runs/index.html", pages.runs().encode())
    names = pages.data.names()
    for name in names:
        out.put(f"schedules/{name}/index.html", pages.schedule(name).encode())
        view = pages.data.schedule(name)
        for rev in range(1, len(view.schedule.files) + 1 if view.schedule is not None else 1):
            out.put(f"schedules/{name}/rev/{rev}/index.html", pages.revision(name, rev).encode())
            try:
                out.put(f"schedules/{name}/rev/{rev}/diff.html", pages.diff(name, rev).encode())
            except NotFound:
                pass
    progress(f"{len(names)} schedules written")
    records = [r for r in pages.data.runs() if is_name(r.name)]
    counts = (
        _runs_in_parallel(pages, out, records)
        if len(records) >= PARALLEL_FROM
        else [_runs(pages, out, records)]
    )
    notebooks = sum(c[2] for c in counts)
    total, written = out.pages + sum(c[0] for c in counts), out.written + sum(c[1] for c in counts)
    progress(f"{total} pages, {notebooks} output notebooks rendered")
    return Published(total, written, notebooks, time.monotonic() - started)


#: From this many runs on, run pages are written by forked workers (one per core, at most 4).
PARALLEL_FROM = 2000
_WORK: tuple[Pages, Path, list[RunRecord], int] | None = None


def _runs(pages: Pages, out: _Writer, records: list[RunRecord]) -> tuple[int, int, int]:
    local = _Writer(out.root)
    notebooks = sum(_run(pages, local, record) for record in records)
    return local.pages, local.written, notebooks


def _worker(index: int) -> tuple[int, int, int]:
    assert _WORK is not None
    pages, root, records, workers = _WORK
    return _runs(pages, _Writer(root), records[index::workers])


def _runs_in_parallel(
    pages: Pages, out: _Writer, records: list[RunRecord]
) -> list[tuple[int, int, int]]:
    """Each run's pages are independent: split them over forked workers sharing the loaded data."""
    global _WORK  # noqa: PLW0603 - a process-wide cache, set once
    workers = min(os.cpu_count() or 1, 4)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [_runs(pages, out, records)]
    _WORK = (pages, out.root, records, workers)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_worker, range(workers))
    finally:
        _WORK = None


def _run(pages: Pages, out: _Writer, record: RunRecord) -> int:
    base = f"schedules/{record.name}/runs/{record.id}"
    text: str | Exception | None = None
    if record.output:  # read once, for the run page and the notebook files
        try:
            text = pages.data.output(record)
        except (KeyError, FileNotFoundError, NbgateError) as exc:
            text = exc
    out.put(f"{base}/index.html", pages.run_page(record, text).encode())
    if not isinstance(text, str):
        return 0
    raw = text.encode("utf-8")
    if not out.put(f"{base}/output.ipynb", raw) and os.path.exists(
        os.path.join(out.root, base, "notebook.html")
    ):
        return 0  # the same output as last time: its page is already there
    try:
        out.put(f"{base}/notebook.html", pages.notebook_document(text, base).encode())
    except NotFound:
        return 0
    return 1
