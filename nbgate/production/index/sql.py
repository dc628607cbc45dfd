"""The SQL both backends share: writes addressed by row key, filtered reads, stats.

Statements are written with ``?`` placeholders; a backend rewrites them to
its own style. Every write is one short statement (autocommit), so no lock
or transaction is held while a notebook executes.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from nbgate import fastpaths
from nbgate.production.index import exact, fleet, summary
from nbgate.production.index.model import (
    COLUMNS,
    DATA_COLUMNS,
    LOST,
    REFUSED,
    RUNNING,
    Liveness,
    OutputTaken,
    Query,
    RunRecord,
    Stats,
    here,
    now,
    shown_status,
)

_SELECT = f"SELECT {', '.join(COLUMNS)} FROM runs"
_TAKEN = "{output}: already written by an earlier run; outputs are never overwritten (use another --run-id)"


class SqlIndex:
    """Backend-neutral run index over a DB-API connection (subclasses connect)."""

    where = ""
    #: Opens a transaction that no other writer can interleave with (a rebuild of the summary).
    _WRITE_ALL: tuple[str, ...] = ("BEGIN",)

    # -- what a backend provides -------------------------------------------------
    def _connection(self, *, create: bool) -> AbstractContextManager[Any]:
        """A ready connection (schema checked, created when ``create``); errors as ``RunIndexError``."""
        raise NotImplementedError

    def _sql(self, statement: str) -> str:
        return statement

    def _unique_violation(self, exc: BaseException) -> bool:
        raise NotImplementedError

    def _exists(self) -> bool:
        """Whether there may be an index to read (a SQLite file that does not exist has no runs)."""
        return True

    # -- writes ------------------------------------------------------------------
    def _run(self, statement: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._connection(create=True) as connection:
            cursor = connection.execute(self._sql(statement), tuple(args))
            return list(cursor.fetchall()) if cursor.description else []

    def _insert(self, values: dict[str, Any]) -> int:
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        statement = (
            f"INSERT INTO runs ({names}) VALUES ({marks}) ON CONFLICT (key) DO NOTHING RETURNING id"
        )
        try:
            rows = self._run(statement, list(values.values()))
        except Exception as exc:
            if self._unique_violation(exc):
                raise OutputTaken(_TAKEN.format(output=values.get("output"))) from None
            raise
        if rows:
            return int(rows[0][0])
        # the key is there already: a spooled row replayed twice
        return int(self._run("SELECT id FROM runs WHERE key = ?", [values["key"]])[0][0])

    def start(
        self,
        *,
        key: str,
        name: str,
        rev: int,
        date: str,
        run_id: str,
        attempt: int,
        output: str,
        source: str,
        source_sha256: str,
        parameters: dict[str, Any],
        started: str | None = None,
        host: str | None = None,
        pid: int | None = None,
    ) -> int:
        """Record a run as ``running`` and claim its output (``OutputTaken`` if another run has it)."""
        host_now, pid_now = here()
        stamp = started or now()
        return self._insert(
            {
                "key": key,
                "name": name,
                "rev": rev,
                "date": date,
                "run_id": run_id,
                "attempt": attempt,
                "status": RUNNING,
                "started": stamp,
                "heartbeat": stamp,
                "output": output,
                "source": source,
                "source_sha256": source_sha256,
                "parameters": json.dumps(parameters, sort_keys=True, default=str),
                "host": host or host_now,
                "pid": pid_now if pid is None else pid,
            }
        )

    def refused(
        self,
        *,
        key: str,
        name: str,
        rev: int | None,
        date: str | None,
        run_id: str,
        error: str,
        started: str | None = None,
        host: str | None = None,
        pid: int | None = None,
    ) -> int:
        """Record a run that was refused before it started (no output)."""
        host_now, pid_now = here()
        stamp = started or now()
        return self._insert(
            {
                "key": key,
                "name": name,
                "rev": rev,
                "date": date,
                "run_id": run_id,
                "attempt": 1,
                "status": REFUSED,
                "started": stamp,
                "ended": stamp,
                "duration": 0.0,
                "error": error,
                "host": host or host_now,
                "pid": pid_now if pid is None else pid,
            }
        )

    def finish(
        self,
        key: str,
        *,
        status: str,
        duration: float,
        error: str | None = None,
        ended: str | None = None,
        release_output: bool = False,
    ) -> None:
        """Record the end of a run; ``release_output`` frees an output that was never written."""
        stamp = ended or now()
        release = ", output = NULL" if release_output else ""
        self._run(
            f"UPDATE runs SET status = ?, ended = ?, duration = ?, error = ?, heartbeat = ?{release} "
            "WHERE key = ?",
            [status, stamp, round(duration, 3), error, stamp, key],
        )

    def heartbeat(self, key: str, at: str | None = None) -> None:
        """Mark a running run alive."""
        self._run(
            "UPDATE runs SET heartbeat = ? WHERE key = ? AND status = ?",
            [at or now(), key, RUNNING],
        )

    # -- reads -------------------------------------------------------------------
    def _read(self, statement: str, args: Sequence[Any]) -> builtins.list[tuple[Any, ...]]:
        if not self._exists():
            return []
        with self._connection(create=False) as connection:
            if connection is None:
                return []
            return list(connection.execute(self._sql(statement), tuple(args)).fetchall())

    def list(
        self,
        query: Query | None = None,
        *,
        name: str | None = None,
        status: str | None = None,
        since: str | None = None,
        until: str | None = None,
        run_id: str | None = None,
        limit: int | None = None,
        liveness: Liveness | None = None,
    ) -> list[RunRecord]:
        """Runs, newest first (by start time), filtered by ``query`` (or the same filters as keywords)."""
        if query is None:
            query = Query(
                name=name, status=status, since=since, until=until, run_id=run_id, limit=limit
            )
        where: list[str] = []
        args: list[Any] = []
        for column, value, test in (
            ("name", query.name, "="),
            ("started", query.since, ">="),
            ("started", query.until, "<"),
            ("run_id", query.run_id, "="),
        ):
            if value is not None:
                where.append(f"{column} {test} ?")
                args.append(value)
        derived = query.status in (
            LOST,
            RUNNING,
        )  # decided by heartbeat and host: filtered after reading
        if query.status is not None:
            where.append("status = ?")
            args.append(RUNNING if derived else query.status)
        statement = (
            _SELECT
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY started DESC, id DESC"
        )
        if query.limit is not None and not derived:
            statement += f" LIMIT {int(query.limit)}"
        cutoff = (liveness or Liveness()).cutoff()
        records = [_record(row, cutoff) for row in self._read(statement, args)]
        if derived:
            records = [record for record in records if record.shown == query.status]
        return records[: query.limit] if query.limit is not None else records

    def get(self, row_id: int, *, liveness: Liveness | None = None) -> RunRecord | None:
        """One run by its row id (None when there is no such row)."""
        rows = self._read(_SELECT + " WHERE id = ?", [int(row_id)])
        return _record(rows[0], (liveness or Liveness()).cutoff()) if rows else None

    #: Whether the summary answers a question over every schedule when nobody chose (``exact=None``).
    #: PostgreSQL's ``percentile_cont`` over the covering index beats merging one histogram entry per
    #: schedule, day and bucket there (see docs/production.md), so its backend says no.
    SUMMARY_FOR_ALL = True
    #: The fleet view reads p50/p95 of the schedules it shows from their rows (exact) when they ran
    #: at most this often in the window, else from the summary (1,999 rows: 1.4 ms against 9.4 ms).
    EXACT_UP_TO = 10_000
    #: Whether the fleet view's whole days have one row per schedule (``fleet.rank``).
    _JOIN = False
    #: Recounts everything derived from the rows (``rebuild_summary``).
    _REBUILD: tuple[str, ...] = summary.REBUILD

    def stats(
        self,
        *,
        name: str | None = None,
        since: str | None = None,
        exact: bool | None = None,
        names: Sequence[str] | None = None,
    ) -> builtins.list[Stats]:
        """Per-schedule counts and p50/p95 durations (succeeded and failed runs) since ``since``.

        Counts are exact either way. ``exact=True`` reads p50/p95 from the rows, ``exact=False`` from
        the summary's histogram (within ``summary.BOUND``), ``None`` lets the backend pick the faster
        one. With the ``stats-summary`` fast path off (``nbgate.fastpaths``) the rows always answer.
        ``name`` or ``names``: only these schedules. Sorted by name.
        """
        if name is not None:
            names = [name]
        if exact is None:
            exact = names is None and not self.SUMMARY_FOR_ALL
        if exact or not fastpaths.enabled("stats-summary"):
            return self._exact_stats(names=names, since=since)
        reads = summary.queries(names, since)
        days, first, running = (self._read(*reads[part]) for part in ("days", "first", "running"))
        return summary.combine(days, first, running, self._read(*self._histograms(reads)))

    def ranked(
        self, *, since: str | None = None, limit: int | None = None, exact: bool | None = None
    ) -> tuple[builtins.list[Stats], bool]:
        """The first ``limit`` (None: all) schedules in ``fleet.worst_first`` order; whether there are more.

        The database ranks every schedule by its counts and only the first ``limit`` are read in
        full (``exact=None``: from the rows up to ``EXACT_UP_TO`` runs in all, else from the
        summary); with the ``stats-fleet`` fast path off every schedule is read and sorted here.
        """
        if limit is None or not fastpaths.enabled("stats-fleet"):
            every = sorted(self.stats(since=since, exact=exact), key=fleet.worst_first)
            if limit is None:
                return every, False
            return every[:limit], len(every) > limit
        top = self._read(*fleet.rank(self._whole_days, since, limit, postgres=self._JOIN))
        shown = top[:limit]
        names = [str(row[0]) for row in shown]
        if not names:
            return [], False
        if exact is None:  # the rows of a few shown schedules are read faster than their summary
            exact = sum(int(row[1]) for row in shown) <= self.EXACT_UP_TO
        read = {item.name: item for item in self.stats(names=names, since=since, exact=exact)}
        return [read[item] for item in names if item in read], len(top) > limit

    def _whole_days(self, first: str) -> tuple[str, builtins.list[Any]]:
        """Counts per schedule over the whole days from ``first`` (a backend may keep them its own way)."""
        return fleet.days_sql(first)

    def _histograms(
        self, reads: dict[str, tuple[str, builtins.list[Any]]]
    ) -> tuple[str, builtins.list[Any]]:
        """The read of every schedule's merged histogram (a backend may group it its own way)."""
        return reads["hist"]

    def rebuild_summary(self) -> None:
        """Recount the stats summary from the rows, in one transaction."""
        with self._connection(create=True) as connection:
            for statement in self._WRITE_ALL:
                connection.execute(statement)
            try:
                for statement in self._REBUILD:
                    connection.execute(statement)
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise

    def _exact_stats(
        self, *, names: Sequence[str] | None = None, since: str | None = None
    ) -> builtins.list[Stats]:
        """Counts and p50/p95 from the rows themselves."""
        counts = self._read(*exact.counts_sql(names, since))
        return exact.combine(counts, self._read(*exact.durations_sql(names, since)))

    def latest(self, *, liveness: Liveness | None = None) -> builtins.list[RunRecord]:
        """The newest run of every schedule (one query, one index probe per schedule), sorted by name."""
        rows = self._read(
            f"{_SELECT} WHERE id IN (SELECT (SELECT id FROM runs AS r WHERE r.name = n.name "
            "ORDER BY started DESC, id DESC LIMIT 1) FROM (SELECT DISTINCT name FROM runs) AS n)",
            [],
        )
        cutoff = (liveness or Liveness()).cutoff()
        return sorted((_record(row, cutoff) for row in rows), key=lambda record: record.name)

    # -- copies ------------------------------------------------------------------
    def rows(self, batch: int = 5000) -> Iterator[builtins.list[dict[str, Any]]]:
        """Every row (all columns but ``id``) as dicts, in id order, ``batch`` at a time."""
        last = 0
        while True:
            chunk = self._read(
                f"SELECT id, {', '.join(DATA_COLUMNS)} FROM runs WHERE id > ? ORDER BY id "
                f"LIMIT {int(batch)}",
                [last],
            )
            if not chunk:
                return
            last = int(chunk[-1][0])
            yield [dict(zip(DATA_COLUMNS, row[1:], strict=False)) for row in chunk]

    def insert_rows(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert whole rows, skipping any whose key (or output) is already present; how many were new."""
        if not rows:
            return 0
        statement = self._sql(
            f"INSERT INTO runs ({', '.join(DATA_COLUMNS)}) VALUES "
            f"({', '.join('?' for _ in DATA_COLUMNS)}) ON CONFLICT DO NOTHING"
        )
        with self._connection(create=True) as connection:
            before = connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
            connection.execute(
                "BEGIN"
            )  # one transaction per batch (both drivers are in autocommit mode)
            try:
                connection.cursor().executemany(
                    statement, [tuple(row[c] for c in DATA_COLUMNS) for row in rows]
                )
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            after = connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        return int(after) - int(before)


def _record(row: Sequence[Any], cutoff: str) -> RunRecord:
    data = dict(zip(COLUMNS, row, strict=False))
    data["parameters"] = json.loads(data["parameters"]) if data["parameters"] else {}
    if data["duration"] is not None:
        data["duration"] = float(data["duration"])
    record = RunRecord(**data)
    return record._replace(shown=shown_status(record, cutoff))
