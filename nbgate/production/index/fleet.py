"""The fleet view of ``runs stats``: every schedule ranked worst first in one query.

``runs stats`` without a NAME shows the ``--limit`` schedules with the
lowest success rate (succeeded / (succeeded + failed)); schedules with no
finished run come last; ties go to more failed runs, then to the name. The
database ranks every schedule from its counts alone and returns the first
N (and whether there are more); only those N are then read in full
(p50/p95), so the cost no longer grows with what is shown.

The counts come from the whole days of the window (``run_days`` summed, or
on PostgreSQL ``totals``: one row per schedule) plus the rows of its first,
partial day and the runs still running, exactly as ``summary.combine`` adds
them, so the rank and the numbers shown agree. SQLite adds the two parts
with ``UNION ALL ... GROUP BY``; PostgreSQL with a ``FULL JOIN`` (the whole
days have one row per schedule there), which is faster but not in SQLite
before 3.39.

``worst_first`` is the same order in Python (``--limit 0``, and the
``stats-fleet`` fast path switched off): both sort the same integers, the
same IEEE division and names by code point (PostgreSQL compares them with
``COLLATE "C"``, SQLite as bytes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nbgate.production.index import summary, totals
from nbgate.production.index.model import FAILED, RUNNING, SUCCEEDED, Stats

#: The counts the rank reads, in this order: every part of a query gives name and these.
COUNTS = totals.COUNTS


def worst_first(item: Stats) -> tuple[bool, float, int, str]:
    """The sort key of the fleet view: lowest success rate first, then most failed runs, then name."""
    rate = item.success_rate
    return (rate is None, 0.0 if rate is None else rate, -item.failed, item.name)


def _int(expression: str) -> str:
    # 32-bit counts: PostgreSQL sums them as bigint, not numeric (3x faster)
    return f"CAST({expression} AS INTEGER)"


def _part(since: str | None, morning: bool) -> tuple[str, list[Any]]:
    """Counts per schedule from the rows, for the part of the window's first day the whole days miss.

    After noon: the rows from ``since`` to midnight (any status), plus the runs still running after
    it. Before noon the whole days include the first day, so this takes back its finished rows
    before ``since`` (what ``run_days`` counted) and adds the runs still running since ``since``:
    at most half a day of rows either way. Each part is an index-only scan (an OR of the two
    conditions makes PostgreSQL visit the table's pages).
    """
    _, midnight = summary.window(since)
    counted = ", ".join(
        _int(f"SUM(CASE WHEN status = '{status}' THEN sign ELSE 0 END)")
        for status in (SUCCEEDED, FAILED)
    )
    running = (
        f"SELECT name, status, 1 AS sign FROM runs WHERE status = '{RUNNING}' AND started >= ?"
    )
    if since is not None and morning:
        rows = (
            "SELECT name, status, -1 AS sign FROM runs WHERE started >= ? AND started < ? "
            f"AND status <> '{RUNNING}' UNION ALL {running}"
        )
        args = [f"{since[:10]}T00:00:00.000Z", since, since]
    else:
        rows = f"SELECT name, status, 1 AS sign FROM runs WHERE started >= ? AND started < ? UNION ALL {running}"
        args = [since or "", midnight, midnight]
    return (
        f"SELECT name, {_int('SUM(sign)')}, {counted} FROM ({rows}) AS rows GROUP BY name",
        args,
    )


def rank(
    whole_days: Callable[[str], tuple[str, list[Any]]],
    since: str | None,
    limit: int,
    *,
    postgres: bool = False,
) -> tuple[str, list[Any]]:
    """The first ``limit`` + 1 schedules in ``worst_first`` order: name, runs, succeeded, failed.

    ``whole_days(first)`` is the backend's read of ``COUNTS`` over the whole days from ``first``
    (one row per schedule on PostgreSQL). The whole days start on the window's first day itself
    when ``since`` falls before noon (``_part`` then takes its morning back), else on the day after.
    The extra row says whether there are more.
    """
    morning = since is not None and since[11:13] < "12"
    first = "" if since is None else since[:10] if morning else summary.window(since)[0]
    days, days_args = whole_days(first)
    part, part_args = _part(since, morning)
    columns = "name, " + ", ".join(f"c_{count}" for count in COUNTS)
    if postgres:
        added = ", ".join(f"COALESCE(w.c_{c}, 0) + COALESCE(p.c_{c}, 0) AS c_{c}" for c in COUNTS)
        merged = (
            f"WITH w ({columns}) AS ({days}), p ({columns}) AS ({part}) "
            f"SELECT COALESCE(w.name, p.name) AS name, {added} FROM w FULL JOIN p ON p.name = w.name"
        )
        collate = ' COLLATE "C"'
    else:
        summed = ", ".join(f"SUM(c_{count}) AS c_{count}" for count in COUNTS)
        merged = (
            f"WITH parts ({columns}) AS ({days} UNION ALL {part}) "
            f"SELECT name, {summed} FROM parts GROUP BY name"
        )
        collate = ""
    statement = (
        f"SELECT {columns} FROM ({merged}) AS counted WHERE c_runs > 0 "
        "ORDER BY CASE WHEN c_succeeded + c_failed = 0 THEN 1 ELSE 0 END, "
        "CAST(c_succeeded AS DOUBLE PRECISION) / NULLIF(c_succeeded + c_failed, 0), c_failed DESC, "
        f"name{collate} LIMIT ?"
    )
    return statement, [*days_args, *part_args, int(limit) + 1]


def days_sql(first: str) -> tuple[str, list[Any]]:
    """``COUNTS`` over the whole days from ``first`` by summing ``run_days`` (both backends)."""
    counts = ", ".join(_int(f"SUM({count})") for count in COUNTS)
    return f"SELECT name, {counts} FROM run_days WHERE day >= ? GROUP BY name", [first]
