"""Everything ``nbgate serve`` reads: the registry, the run index and output notebooks.

This is the web view's only door to storage, so that the run index backend
(SQLite today, PostgreSQL later) can be swapped here without touching the
pages. It reads the registry through ``nbgate.registry.store`` and runs
through the run index's public ``list``; the one exception is the
per-schedule statistics of the schedules page, one aggregate query on the
SQLite file (read-only) because the index has no statistics query yet: at
merge with the pluggable index this becomes a call to it. Nothing here
writes.

Revision files are immutable, so parsed revisions are cached by file
(path, size, mtime) and whole schedules by folder mtime: re-rendering the
schedules page of a large registry costs a directory scan, not a thousand
YAML parses. Run statistics are cached by the index file's signature (size
and mtime of the database and its WAL) and recomputed when it changes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple

from nbgate.config import Config
from nbgate.errors import NbgateError
from nbgate.production.index import FAILED, SUCCEEDED, RunRecord, shown_status
from nbgate.production.outputs import read_output
from nbgate.production.runner import run_index
from nbgate.registry import store
from nbgate.registry.model import is_name

#: Window of the schedules page's success rate.
RATE_DAYS = 30


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
        self._lock = threading.Lock()
        self._revisions: dict[Path, tuple[tuple[int, int], store.RevisionFile]] = {}
        self._stats: tuple[Any, dict[str, Stats]] | None = None
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
            entries = sorted((e.name, e.stat().st_mtime_ns) for e in os.scandir(folder)
                             if is_name(e.name) and e.is_dir())
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
        from nbgate.production.adapt import run_spec
        from nbgate.production.content import promoted_content

        view = self.schedule(name)
        if view.schedule is None:
            raise KeyError(name)
        revision = view.schedule.get(rev).revision
        key = (revision.notebook, revision.commit, revision.source_sha256)  # content-addressed: safe to keep
        found = self._notebooks.get(key)
        if found is None:
            promoted = promoted_content(self.config.root, run_spec(revision, view.schedule.state))
            found = (promoted.raw, promoted.source)
            if promoted.source.startswith("git:"):
                self._notebooks[key] = found
        return found

    # ------------------------------------------------------------------ runs

    def runs(self, *, name: str | None = None, status: str | None = None,
             limit: int | None = None) -> list[RunRecord]:
        """Runs, newest first, of one schedule and/or with one shown status; the newest ``limit``."""
        return self.index.list(name=name, status=status, limit=limit)

    def run(self, name: str, run_id: int) -> RunRecord:
        """Run ``run_id`` (the index row) of schedule ``name``; ``KeyError`` when there is none."""
        if not is_name(name):
            raise KeyError(name)
        for record in self.index.list(name=name):
            if record.id == run_id:
                return record
        raise KeyError(run_id)

    def stats(self) -> dict[str, Stats]:
        """Per schedule: newest run and the last ``RATE_DAYS`` days' outcomes (cached per index state)."""
        signature = self._signature()
        cached = self._stats
        if cached is not None and cached[0] == signature:
            return cached[1]
        result = self._summary(datetime.now(timezone.utc))
        self._stats = (signature, result)
        return result

    def _summary(self, now: datetime) -> dict[str, Stats]:
        """``summarise`` of the whole index, as one aggregate query on SQLite.

        The index has no statistics query yet, so this reads its documented
        table read-only; a backend without a file falls back to ``list()``.
        """
        if not self.index.path.exists():
            return {}
        since = (now - timedelta(days=RATE_DAYS)).astimezone(timezone.utc).isoformat()[:19]
        fields = ", ".join(RunRecord._fields)
        try:
            connection = sqlite3.connect(f"{self.index.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        except sqlite3.Error:
            return summarise(self.index.list(), now)
        try:
            counts = connection.execute(
                "SELECT name, MAX(id), SUM(status = 'succeeded' AND started >= ?), "
                "SUM(status IN ('succeeded', 'failed') AND started >= ?) FROM runs GROUP BY name",
                (since, since)).fetchall()
            newest = {row[0]: _record(row) for row in connection.execute(
                f"SELECT {fields} FROM runs WHERE id IN (SELECT MAX(id) FROM runs GROUP BY name)")}
        except sqlite3.Error:
            return summarise(self.index.list(), now)
        finally:
            connection.close()
        return {name: Stats(newest.get(last), int(ok or 0), int(done or 0)) for name, last, ok, done in counts}

    def stats_of(self, name: str) -> Stats:
        """``stats()`` of one schedule."""
        return self.stats().get(name, _NO_STATS)

    def _signature(self) -> tuple[tuple[int, int] | None, ...]:
        signature: list[tuple[int, int] | None] = []
        for suffix in ("", "-wal"):
            try:
                info = os.stat(f"{self.index.path}{suffix}")
                signature.append((info.st_size, info.st_mtime_ns))
            except OSError:
                signature.append(None)
        return tuple(signature)

    def output(self, record: RunRecord) -> str:
        """The output notebook's text, read through the same I/O layer ``nbgate run`` writes with."""
        if not record.output:
            raise KeyError(record.id)
        return read_output(self.config.root, record.output)


def summarise(records: Iterable[RunRecord], now: datetime) -> dict[str, Stats]:
    """Per schedule: newest record, and succeeded/finished counts since ``now - RATE_DAYS``."""
    since = (now - timedelta(days=RATE_DAYS)).astimezone(timezone.utc).isoformat()[:19]
    last: dict[str, RunRecord] = {}
    succeeded: dict[str, int] = {}
    finished: dict[str, int] = {}
    for record in records:  # newest first
        name = record.name
        if name not in last:
            last[name] = record
        if record.started[:19] < since:
            continue
        if record.status == SUCCEEDED:
            succeeded[name] = succeeded.get(name, 0) + 1
            finished[name] = finished.get(name, 0) + 1
        elif record.status == FAILED:
            finished[name] = finished.get(name, 0) + 1
    return {name: Stats(record, succeeded.get(name, 0), finished.get(name, 0)) for name, record in last.items()}


def _record(row: tuple[Any, ...]) -> RunRecord:
    data = dict(zip(RunRecord._fields, row))
    data["parameters"] = json.loads(data["parameters"]) if data["parameters"] else {}
    return RunRecord(**data)


def status(record: RunRecord) -> str:
    """The status a run shows (``lost`` for a dead ``running`` row)."""
    return shown_status(record)
