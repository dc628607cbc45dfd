"""Everything ``nbgate serve`` reads: the registry, the run index and output notebooks.

This is the web view's only door to storage. It reads the registry through
``nbgate.registry.store`` and runs only through the run index's public
interface (``RunIndex``: ``list``, ``get``, ``stats``, ``latest``), so every
backend (SQLite file, PostgreSQL server) serves the same pages; a run's
status is the index's ``shown`` one (``lost`` worked out from the heartbeat
with the project's ``run.heartbeat``/``run.lost_after``). Nothing here
writes.

Revision files are immutable, so parsed revisions are cached by file
(path, size, mtime) and whole schedules by folder mtime: re-rendering the
schedules page of a large registry costs a directory scan, not a thousand
YAML parses. The schedules page's run statistics (two index queries,
whatever the number of schedules) are refreshed in the background once they
are ``STATS_TTL`` seconds old, so that page is never much more than that
behind the index, on any backend, and no request waits for the refresh.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import NamedTuple

from nbgate.config import Config
from nbgate.errors import NbgateError
from nbgate.production.adapt import run_spec
from nbgate.production.content import promoted_content
from nbgate.production.index import Query, RunRecord, liveness
from nbgate.production.index.model import stamp
from nbgate.production.outputs import read_output
from nbgate.production.runner import run_index
from nbgate.registry import store
from nbgate.registry.model import is_name

#: Window of the schedules page's success rate.
RATE_DAYS = 30
#: Seconds the schedules page's run statistics are reused before the index is asked again.
STATS_TTL = 5.0


class ScheduleView(NamedTuple):
    """One schedule as the pages show it: its revisions, or why they cannot be read."""

    name: str
    schedule: store.Schedule | None
    error: str | None = None

    @property
    def state(self) -> str:
        """active, paused, retired, or ``broken`` when the registry folder does not load."""
        return self.schedule.state if self.schedule is not None else "broken"


class Stats(NamedTuple):
    """A schedule's runs at a glance: its newest run and the last 30 days' outcomes."""

    last: RunRecord | None
    succeeded: int
    finished: int

    @property
    def rate(self) -> float | None:
        """Share of finished runs (succeeded or failed) that succeeded, or None without any."""
        return self.succeeded / self.finished if self.finished else None


_NO_STATS = Stats(None, 0, 0)


class Data:
    """Read-only access to one project's registry, run index and outputs."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.index = run_index(config)
        self.liveness = liveness(config)
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()
        self._revisions: dict[Path, tuple[tuple[int, int], store.RevisionFile]] = {}
        self._stats: tuple[float, dict[str, Stats]] | None = None
        self._folders: dict[str, tuple[int, ScheduleView]] = {}
        self._notebooks: dict[tuple[str, str, str], tuple[bytes, str]] = {}

    # ------------------------------------------------------------------ registry

    def names(self) -> list[str]:
        """Schedule names in the registry, sorted."""
        return store.list_schedules(self.config)

    def schedules(self) -> list[ScheduleView]:
        """Every schedule in the registry, sorted by name.

        A schedule folder gets a new mtime whenever a file is added to it, so
        an unchanged folder reuses the schedule read last time.
        """
        folder = store.registry_dir(self.config)
        try:
            entries = sorted(
                (e.name, e.stat().st_mtime_ns)
                for e in os.scandir(folder)
                if is_name(e.name) and e.is_dir()
            )
        except FileNotFoundError:
            return []
        views = []
        for name, mtime in entries:
            cached = self._folders.get(name)
            if cached is not None and cached[0] == mtime:
                views.append(cached[1])
                continue
            try:
                view = self.schedule(name)
            except KeyError:
                continue
            self._folders[name] = (mtime, view)
            views.append(view)
        return views

    def schedule(self, name: str) -> ScheduleView:
        """One schedule; ``KeyError`` when the registry has no such schedule."""
        if not is_name(name):
            raise KeyError(name)
        folder = store.registry_dir(self.config) / name
        found = store.revision_files(folder)
        if not found:
            raise KeyError(name)
        try:
            files = tuple(self._revision(path) for _, path in found)
            problems = store.chain_errors(files)
            if problems:
                return ScheduleView(name, None, problems[0])
        except NbgateError as exc:
            return ScheduleView(name, None, str(exc))
        return ScheduleView(name, store.Schedule(name, files))

    def _revision(self, path: Path) -> store.RevisionFile:
        info = os.stat(path)
        key = (info.st_size, info.st_mtime_ns)
        cached = self._revisions.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        stored = store.read_revision(path)
        with self._lock:
            self._revisions[path] = (key, stored)
        return stored

    def notebook(self, name: str, rev: int) -> tuple[bytes, str]:
        """The promoted notebook of revision ``rev`` (git at its commit, or the identical file)."""
        view = self.schedule(name)
        if view.schedule is None:
            raise KeyError(name)
        revision = view.schedule.get(rev).revision
        key = (
            revision.notebook,
            revision.commit,
            revision.source_sha256,
        )  # content-addressed: safe to keep
        found = self._notebooks.get(key)
        if found is None:
            promoted = promoted_content(self.config.root, run_spec(revision, view.schedule.state))
            found = (promoted.raw, promoted.source)
            if promoted.source.startswith("git:"):
                self._notebooks[key] = found
        return found

    # ------------------------------------------------------------------ runs

    def runs(
        self, *, name: str | None = None, status: str | None = None, limit: int | None = None
    ) -> list[RunRecord]:
        """Runs, newest first, of one schedule and/or with one shown status; the newest ``limit``."""
        return self.index.list(Query(name=name, status=status, limit=limit), liveness=self.liveness)

    def run(self, name: str, run_id: int) -> RunRecord:
        """Run ``run_id`` (the index row) of schedule ``name``; ``KeyError`` when there is none."""
        if not is_name(name):
            raise KeyError(name)
        record = self.index.get(run_id, liveness=self.liveness)
        if record is None or record.name != name:
            raise KeyError(run_id)
        return record

    def stats(self) -> dict[str, Stats]:
        """Per schedule: newest run and the last ``RATE_DAYS`` days' outcomes.

        The first call asks the index; later calls answer from the last result
        and, once it is ``STATS_TTL`` seconds old, refresh it in a background
        thread (one at a time), so no request waits for the index's aggregate
        queries after the first and none shows statistics much older than that.
        """
        cached = self._stats
        if cached is None:
            result = self._summary(datetime.now(timezone.utc))
            self._stats = (time.monotonic(), result)
            return result
        if time.monotonic() - cached[0] >= STATS_TTL and self._refreshing.acquire(blocking=False):
            threading.Thread(target=self._refresh, name="nbgate-stats", daemon=True).start()
        return cached[1]

    def _refresh(self) -> None:
        try:
            result = self._summary(datetime.now(timezone.utc))
            self._stats = (time.monotonic(), result)
        except Exception:  # noqa: BLE001 - e.g. the server is down: keep the last statistics, retry after the TTL
            last = self._stats
            if last is not None:
                self._stats = (time.monotonic(), last[1])
        finally:
            self._refreshing.release()

    def _summary(self, now: datetime) -> dict[str, Stats]:
        """Two index queries whatever the number of schedules: the window's counts and the newest runs."""
        counts = {s.name: s for s in self.index.stats(since=stamp(now - timedelta(days=RATE_DAYS)))}
        result = {}
        for last in self.index.latest(liveness=self.liveness):
            found = counts.get(last.name)
            if found is None:
                result[last.name] = Stats(last, 0, 0)
            else:
                result[last.name] = Stats(last, found.succeeded, found.succeeded + found.failed)
        return result

    def stats_of(self, name: str) -> Stats:
        """``stats()`` of one schedule."""
        return self.stats().get(name, _NO_STATS)

    def output(self, record: RunRecord) -> str:
        """The output notebook's text, read through the same I/O layer ``nbgate run`` writes with."""
        if not record.output:
            raise KeyError(record.id)
        return read_output(self.config.root, record.output)


def status(record: RunRecord) -> str:
    """The status a run shows (``lost`` for a ``running`` row whose heartbeat stopped)."""
    return record.shown or record.status
