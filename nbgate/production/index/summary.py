"""The stats summary: per (schedule, UTC day) run counts and a log-bucketed duration histogram.

``runs stats`` over every schedule used to read every row of the window
and sort their durations. Schema 4 keeps, next to the rows, two small
tables that triggers update in the same transaction as the write that
changes a row (the finish of a run, a refused run, a copied row, a delete):

* ``run_days (name, day, runs, succeeded, failed, refused)``: exact counts
  of the rows that are no longer ``running``, by the UTC day they started;
* ``run_durations (name, bucket, day, runs)``: how many succeeded or
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

What it saves depends on the data: a (schedule, day) holds one histogram
entry per distinct bucket, so it is smaller than the rows only when a
schedule runs more often in a day than its durations spread over buckets
(an hourly job with steady durations: 24 rows, a handful of entries). With
a few runs per schedule and day, each of a different duration, there is
about one entry per run and ``runs stats`` reads as much as ``--exact``.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from nbgate.production.index import totals
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
        "ON CONFLICT (name, bucket, day) DO UPDATE SET runs = run_durations.runs + excluded.runs"
    )
    return days, durations


def tables(suffix: str = "") -> tuple[str, ...]:
    """The summary's tables (``suffix``: SQLite's `` WITHOUT ROWID``, clustered by the key).

    ``run_durations`` is keyed (name, bucket, day), so a scan in key order
    meets each schedule's buckets in order, every day of a bucket together.
    """
    return (
        "CREATE TABLE IF NOT EXISTS run_days (name TEXT NOT NULL, day TEXT NOT NULL, runs BIGINT NOT NULL, "
        f"succeeded BIGINT NOT NULL, failed BIGINT NOT NULL, refused BIGINT NOT NULL, PRIMARY KEY (name, day)){suffix}",
        "CREATE TABLE IF NOT EXISTS run_durations (name TEXT NOT NULL, bucket BIGINT NOT NULL, day TEXT NOT NULL, "
        f"runs BIGINT NOT NULL, PRIMARY KEY (name, bucket, day)){suffix}",
    )


#: Which changes of a row can move it in the summary (a heartbeat cannot).
_CHANGED = (
    "(OLD.status IS DISTINCT FROM NEW.status OR OLD.duration IS DISTINCT FROM NEW.duration "
    "OR OLD.name IS DISTINCT FROM NEW.name OR OLD.started IS DISTINCT FROM NEW.started)"
)
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
    """The summary's trigger function and triggers on PostgreSQL (which also keep ``totals``).

    The totals come first: their row lock per schedule is taken before any ``run_days`` row's,
    in every transaction, so two writers of one schedule queue instead of deadlocking.
    """
    add, remove = apply_sql("NEW", 1), apply_sql("OLD", -1)
    function = (
        "CREATE OR REPLACE FUNCTION nbgate_run_summary() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {totals.perform('OLD', -1)}; {'; '.join(remove)}; END IF; "
        f"IF TG_OP <> 'DELETE' THEN {totals.perform('NEW', 1)}; {'; '.join(add)}; END IF; "
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


def only(names: Sequence[str] | None) -> tuple[str, list[Any]]:
    """`` AND name IN (?, ...)`` and its arguments (nothing for every schedule)."""
    if names is None:
        return "", []
    if not names:  # PostgreSQL has no empty IN ()
        return " AND 1 = 0", []
    return f" AND name IN ({', '.join('?' for _ in names)})", list(names)


def queries(names: Sequence[str] | None, since: str | None) -> dict[str, tuple[str, list[Any]]]:
    """The reads of ``stats`` (``?`` placeholders, with their arguments), each a cheap scan.

    ``days``: summed counts per schedule over the whole days; ``first``: the
    rows of the window's first, partial day; ``running``: runs still running
    after it; ``hist`` (``hist_pg`` on PostgreSQL): each schedule's histogram
    over the whole days, merged by the database into one row.
    """
    day, midnight = window(since)
    some, named = only(names)
    return {
        "days": (
            "SELECT name, SUM(runs), SUM(succeeded), SUM(failed), SUM(refused) FROM run_days "
            f"WHERE day >= ?{some} GROUP BY name",
            [day, *named],
        ),
        "first": (
            f"SELECT name, status, duration FROM runs WHERE started >= ? AND started < ?{some}",
            [since or "", midnight, *named],
        ),
        "running": (
            f"SELECT name, COUNT(*) FROM runs WHERE status = '{RUNNING}' AND started >= ?{some} GROUP BY name",
            [midnight, *named],
        ),
        # one row per schedule: its buckets and their counts as text (10,000 values to carry, not 1,000,000)
        "hist": (
            "SELECT name, group_concat(bucket), group_concat(n) FROM (SELECT name, bucket, SUM(runs) AS n "
            f"FROM run_durations WHERE day >= ?{some} GROUP BY name, bucket) AS g GROUP BY name",
            [day, *named],
        ),
        "hist_pg": (
            "SELECT name, string_agg(CAST(bucket AS TEXT), ',' ORDER BY bucket), "
            "string_agg(CAST(n AS TEXT), ',' ORDER BY bucket) FROM (SELECT name, bucket, SUM(runs) AS n "
            f"FROM run_durations WHERE day >= ?{some} GROUP BY name, bucket) AS g GROUP BY name",
            [day, *named],
        ),
    }


def histograms(rows: Iterable[Sequence[Any]]) -> Iterator[tuple[str, list[int], list[int]]]:
    """(name, buckets in order, their counts) from ``hist`` rows (comma-separated text)."""
    for name, buckets_text, counts_text in rows:
        buckets = list(map(int, str(buckets_text).split(",")))
        counts = list(map(int, str(counts_text).split(",")))
        if buckets != sorted(buckets):  # group_concat keeps no promised order
            order = sorted(range(len(buckets)), key=buckets.__getitem__)
            buckets, counts = [buckets[i] for i in order], [counts[i] for i in order]
        yield name, buckets, counts


def combine(
    days: Iterable[Sequence[Any]],
    first: Iterable[Sequence[Any]],
    running: Iterable[Sequence[Any]],
    hists: Iterable[Sequence[Any]],
) -> list[Stats]:
    """``Stats`` per schedule, sorted by name, from the reads of ``queries``."""
    counts: dict[str, list[int]] = {}
    extra: dict[str, list[int]] = {}
    for name, runs, succeeded, failed, refused in days:
        counts[name] = [int(runs or 0), int(succeeded or 0), int(failed or 0), int(refused or 0), 0]
    for name, status, duration in first:
        row = counts.setdefault(name, [0, 0, 0, 0, 0])
        row[0] += 1
        column = {SUCCEEDED: 1, FAILED: 2, REFUSED: 3, RUNNING: 4}.get(status)
        if column is not None:
            row[column] += 1
        if status in (SUCCEEDED, FAILED) and duration is not None:
            extra.setdefault(name, []).append(bucket(float(duration)))
    for name, count in running:
        row = counts.setdefault(name, [0, 0, 0, 0, 0])
        row[0] += int(count)
        row[4] += int(count)
    spread: dict[str, tuple[float | None, float | None]] = {}
    for name, buckets, tally in histograms(hists):
        spread[name] = _percentiles(buckets, tally, extra.pop(name, []))
    for name, more in extra.items():
        spread[name] = _percentiles([], [], more)
    found = []
    for name, (runs, succeeded, failed, refused, still) in sorted(counts.items()):
        if runs > 0:
            found.append(
                Stats(
                    name, runs, succeeded, failed, refused, still, *spread.get(name, (None, None))
                )
            )
    return found


def _percentiles(
    buckets: list[int], tally: list[int], extra: list[int]
) -> tuple[float | None, float | None]:
    """p50/p95 of a histogram (plus single runs' buckets): interpolated between representatives."""
    for index in extra:
        at = bisect.bisect_left(buckets, index)
        if at < len(buckets) and buckets[at] == index:
            tally[at] += 1
        else:
            buckets.insert(at, index)
            tally.insert(at, 1)
    upto = list(itertools.accumulate(tally))
    total = upto[-1] if upto else 0
    if total <= 0:
        return None, None
    values: list[float | None] = []
    for percent in PERCENTS:
        low, rest = divmod(percent * (total - 1), 100)
        high = min(low + 1, total - 1)
        lower = representative(buckets[bisect.bisect_right(upto, low)])
        upper = representative(buckets[bisect.bisect_right(upto, high)])
        values.append(round(lower + (upper - lower) * rest / 100, 3))
    return values[0], values[1]
