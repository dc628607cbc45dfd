"""The stats summary: per (schedule, UTC day) run counts and a log-bucketed duration histogram.

``runs stats`` over every schedule used to read every row of the window
and sort their durations. Schema 4 keeps, next to the rows, two small
tables that triggers update in the same transaction as the write that
changes a row (the finish of a run, a refused run, a copied row, a delete):

* ``run_days (name, day, runs, succeeded, failed, refused)``: exact counts
  of the rows that are no longer ``running``, by the UTC day they started;
* ``run_durations (name, day, bucket, runs)``: how many succeeded or
  failed runs had a duration in each bucket.

Bucket ``k >= 0`` holds durations in ``[MIN * G**k, MIN * G**(k+1))``
(``G = 1.04``); bucket ``-1`` holds zero (durations are stored in whole
milliseconds, so anything below ``MIN`` is 0). A percentile is interpolated
between the representatives of the buckets of its two neighbouring runs,
exactly as ``percentile`` interpolates between their durations; a
representative is within ``BOUND`` (1.96 %, "within 2 %") of every duration
in its bucket, so the percentile is too. Counts are exact. Stats windows
start mid-day (``now - N days``): the first day's runs, and runs still
``running``, are read from the rows themselves.

The triggers are plain SQL on SQLite and one PL/pgSQL function on
PostgreSQL; both compute the bucket with ``ln`` and ``floor``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from nbgate.production.index.model import FAILED, REFUSED, RUNNING, SUCCEEDED, Stats

#: Growth factor between bucket bounds.
G = 1.04
#: Lower bound of bucket 0 (seconds): durations are stored in milliseconds.
MIN = 0.001
#: Largest relative error of a representative (and so of p50/p95): (G - 1) / (G + 1).
BOUND = (G - 1) / (G + 1)
_LOG_G = math.log(G)
#: The percentiles ``runs stats`` shows, in percent (integer ranks: no float rounding in SQL).
PERCENTS = (50, 95)


def bucket(duration: float) -> int:
    """The bucket of ``duration`` (seconds), as the SQL triggers compute it."""
    if duration < MIN:
        return -1
    return math.floor(math.log(duration / MIN) / _LOG_G)


def representative(index: int) -> float:
    """The value reported for bucket ``index``: the point of least largest relative error."""
    if index < 0:
        return 0.0
    return MIN * G**index * 2 * G / (1 + G)


def bucket_sql(column: str) -> str:
    """SQL for ``bucket(column)`` (both backends)."""
    return f"(CASE WHEN {column} < {MIN!r} THEN -1 ELSE CAST(floor(ln({column} / {MIN!r}) / {_LOG_G!r}) AS BIGINT) END)"


def _flag(column: str, status: str) -> str:
    return f"CASE WHEN {column} = '{status}' THEN 1 ELSE 0 END"


def apply_sql(row: str, sign: int) -> tuple[str, str]:
    """The two upserts that add (``sign`` 1) or remove (-1) row ``row`` (``NEW``/``OLD``) from the summary."""
    day = f"substr({row}.started, 1, 10)"
    days = (
        f"INSERT INTO run_days (name, day, runs, succeeded, failed, refused) "
        f"SELECT {row}.name, {day}, {sign}, {sign} * {_flag(f'{row}.status', SUCCEEDED)}, "
        f"{sign} * {_flag(f'{row}.status', FAILED)}, {sign} * {_flag(f'{row}.status', REFUSED)} "
        f"WHERE {row}.status <> '{RUNNING}' "
        "ON CONFLICT (name, day) DO UPDATE SET runs = run_days.runs + excluded.runs, "
        "succeeded = run_days.succeeded + excluded.succeeded, failed = run_days.failed + excluded.failed, "
        "refused = run_days.refused + excluded.refused"
    )
    durations = (
        f"INSERT INTO run_durations (name, day, bucket, runs) "
        f"SELECT {row}.name, {day}, {bucket_sql(f'{row}.duration')}, {sign} "
        f"WHERE {row}.status IN ('{SUCCEEDED}', '{FAILED}') AND {row}.duration IS NOT NULL "
        "ON CONFLICT (name, day, bucket) DO UPDATE SET runs = run_durations.runs + excluded.runs"
    )
    return days, durations


TABLES = (
    "CREATE TABLE IF NOT EXISTS run_days (name TEXT NOT NULL, day TEXT NOT NULL, runs BIGINT NOT NULL, "
    "succeeded BIGINT NOT NULL, failed BIGINT NOT NULL, refused BIGINT NOT NULL, PRIMARY KEY (name, day))",
    "CREATE TABLE IF NOT EXISTS run_durations (name TEXT NOT NULL, day TEXT NOT NULL, bucket BIGINT NOT NULL, "
    "runs BIGINT NOT NULL, PRIMARY KEY (name, day, bucket))",
)
#: Which changes of a row can move it in the summary (a heartbeat cannot).
_CHANGED = ("(OLD.status IS DISTINCT FROM NEW.status OR OLD.duration IS DISTINCT FROM NEW.duration "
            "OR OLD.name IS DISTINCT FROM NEW.name OR OLD.started IS DISTINCT FROM NEW.started)")
_COLUMNS = "status, duration, name, started"


def sqlite_triggers() -> tuple[str, ...]:
    """The summary's triggers on SQLite (``IS NOT`` is SQLite's ``IS DISTINCT FROM``)."""
    changed = _CHANGED.replace("IS DISTINCT FROM", "IS NOT")
    add, remove = apply_sql("NEW", 1), apply_sql("OLD", -1)
    return (
        f"CREATE TRIGGER IF NOT EXISTS runs_summary_insert AFTER INSERT ON runs BEGIN {'; '.join(add)}; END",
        f"CREATE TRIGGER IF NOT EXISTS runs_summary_update AFTER UPDATE OF {_COLUMNS} ON runs WHEN {changed} "
        f"BEGIN {'; '.join(remove + add)}; END",
        f"CREATE TRIGGER IF NOT EXISTS runs_summary_delete AFTER DELETE ON runs BEGIN {'; '.join(remove)}; END",
    )


def postgres_triggers() -> tuple[str, ...]:
    """The summary's trigger function and triggers on PostgreSQL."""
    add, remove = apply_sql("NEW", 1), apply_sql("OLD", -1)
    function = (
        "CREATE OR REPLACE FUNCTION nbgate_run_summary() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {'; '.join(remove)}; END IF; "
        f"IF TG_OP <> 'DELETE' THEN {'; '.join(add)}; END IF; "
        "RETURN NULL; END $fn$"
    )
    each = "FOR EACH ROW EXECUTE FUNCTION nbgate_run_summary()"
    return (
        function,
        "DROP TRIGGER IF EXISTS runs_summary_insert ON runs",
        "DROP TRIGGER IF EXISTS runs_summary_update ON runs",
        "DROP TRIGGER IF EXISTS runs_summary_delete ON runs",
        f"CREATE TRIGGER runs_summary_insert AFTER INSERT ON runs {each}",
        f"CREATE TRIGGER runs_summary_update AFTER UPDATE OF {_COLUMNS} ON runs FOR EACH ROW WHEN {_CHANGED} "
        "EXECUTE FUNCTION nbgate_run_summary()",
        f"CREATE TRIGGER runs_summary_delete AFTER DELETE ON runs {each}",
    )


#: Recount the whole summary from the rows (the migration to schema 4; ``rebuild_summary``).
REBUILD = (
    "DELETE FROM run_days",
    "DELETE FROM run_durations",
    "INSERT INTO run_days (name, day, runs, succeeded, failed, refused) "
    f"SELECT name, substr(started, 1, 10), COUNT(*), SUM({_flag('status', SUCCEEDED)}), "
    f"SUM({_flag('status', FAILED)}), SUM({_flag('status', REFUSED)}) FROM runs "
    f"WHERE status <> '{RUNNING}' GROUP BY name, substr(started, 1, 10)",
    "INSERT INTO run_durations (name, day, bucket, runs) "
    f"SELECT name, substr(started, 1, 10), {bucket_sql('duration')}, COUNT(*) FROM runs "
    f"WHERE status IN ('{SUCCEEDED}', '{FAILED}') AND duration IS NOT NULL "
    f"GROUP BY name, substr(started, 1, 10), {bucket_sql('duration')}",
)


def window(since: str | None) -> tuple[str, str]:
    """(first whole day, its midnight stamp) of a window starting at ``since``: the rows before are read directly."""
    if since is None:
        return "", ""
    first = date.fromisoformat(since[:10]) + timedelta(days=1)
    return first.isoformat(), f"{first.isoformat()}T00:00:00.000Z"


def queries(name: str | None, since: str | None) -> tuple[str, list[Any], str, list[Any]]:
    """The counts query and the percentile query (``?`` placeholders) with their arguments."""
    day, midnight = window(since)
    start = since or ""
    only = " AND name = ?" if name is not None else ""
    named = [name] if name is not None else []
    counts = (
        "SELECT name, SUM(runs), SUM(succeeded), SUM(failed), SUM(refused), SUM(running) FROM ("
        f"SELECT name, runs, succeeded, failed, refused, 0 AS running FROM run_days WHERE day >= ?{only} "
        f"UNION ALL SELECT name, 1, {_flag('status', SUCCEEDED)}, {_flag('status', FAILED)}, "
        f"{_flag('status', REFUSED)}, {_flag('status', RUNNING)} FROM runs "
        f"WHERE started >= ? AND started < ?{only} "
        f"UNION ALL SELECT name, 1, 0, 0, 0, 1 FROM runs WHERE status = '{RUNNING}' AND started >= ?{only}"
        ") AS parts GROUP BY name"
    )
    counts_args = [day, *named, start, midnight, *named, midnight, *named]
    picks = []
    for percent in PERCENTS:
        low = f"({percent} * (total - 1)) / 100"
        high = f"(CASE WHEN {low} + 1 > total - 1 THEN total - 1 ELSE {low} + 1 END)"
        picks += [f"MIN(CASE WHEN upto > {low} THEN bucket END)", f"MIN(CASE WHEN upto > {high} THEN bucket END)"]
    spread = (
        "WITH hist AS ("
        f"SELECT name, bucket, runs AS n FROM run_durations WHERE day >= ?{only} "
        f"UNION ALL SELECT name, {bucket_sql('duration')}, 1 FROM runs WHERE started >= ? AND started < ?{only} "
        f"AND status IN ('{SUCCEEDED}', '{FAILED}') AND duration IS NOT NULL), "
        "merged AS (SELECT name, bucket, SUM(n) AS n FROM hist GROUP BY name, bucket HAVING SUM(n) > 0), "
        "ranked AS (SELECT name, bucket, "
        "CAST(SUM(n) OVER (PARTITION BY name ORDER BY bucket ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) "
        "AS BIGINT) AS upto, CAST(SUM(n) OVER (PARTITION BY name) AS BIGINT) AS total FROM merged) "
        f"SELECT name, MAX(total), {', '.join(picks)} FROM ranked GROUP BY name"
    )
    return counts, counts_args, spread, [day, *named, start, midnight, *named]


def combine(counts: Sequence[Sequence[Any]], spread: Sequence[Sequence[Any]]) -> list[Stats]:
    """``Stats`` per schedule (sorted by name) from the rows of the two ``queries``."""
    percentiles = {str(row[0]): _percentiles(int(row[1]), [int(b) for b in row[2:]]) for row in spread}
    found = []
    for row in sorted(counts, key=lambda r: str(r[0])):
        p50, p95 = percentiles.get(str(row[0]), (None, None))
        found.append(Stats(str(row[0]), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0), int(row[4] or 0),
                           int(row[5] or 0), p50, p95))
    return [item for item in found if item.runs > 0]


def _percentiles(total: int, buckets: list[int]) -> tuple[float | None, float | None]:
    values: list[float | None] = []
    for number, percent in enumerate(PERCENTS):
        low, high = representative(buckets[2 * number]), representative(buckets[2 * number + 1])
        fraction = (percent * (total - 1) % 100) / 100
        values.append(round(low + (high - low) * fraction, 3))
    return values[0], values[1]
