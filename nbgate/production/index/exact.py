"""``runs stats --exact``: counts and p50/p95 read from the rows themselves (both backends).

SQLite returns each schedule's finished durations in order and Python takes
the percentiles (``model.percentile``); PostgreSQL computes them on the
server with ``percentile_cont`` (the same linear interpolation).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from nbgate.production.index import summary
from nbgate.production.index.model import FAILED, REFUSED, RUNNING, SUCCEEDED, Stats, percentile

_FINISHED = f"status IN ('{SUCCEEDED}', '{FAILED}')"


def _count(status: str) -> str:
    return f"SUM(CASE WHEN status = '{status}' THEN 1 ELSE 0 END)"


def where(names: Sequence[str] | None, since: str | None) -> tuple[str, list[Any]]:
    """The rows of the window (only ``names``, when given): `` WHERE ...`` and its arguments."""
    some, args = summary.only(names)
    return f" WHERE started >= ?{some}", [since or "", *args]


def counts_sql(names: Sequence[str] | None, since: str | None) -> tuple[str, list[Any]]:
    """name, runs, succeeded, failed, refused, running per schedule."""
    window, args = where(names, since)
    counts = ", ".join(_count(status) for status in (SUCCEEDED, FAILED, REFUSED, RUNNING))
    return f"SELECT name, COUNT(*), {counts} FROM runs{window} GROUP BY name ORDER BY name", args


def durations_sql(names: Sequence[str] | None, since: str | None) -> tuple[str, list[Any]]:
    """name, duration of every finished run, in order."""
    window, args = where(names, since)
    return (
        f"SELECT name, duration FROM runs{window} AND {_FINISHED} AND duration IS NOT NULL "
        "ORDER BY name, duration",
        args,
    )


def combine(counts: Iterable[Sequence[Any]], durations: Iterable[Sequence[Any]]) -> list[Stats]:
    """``Stats`` from the two reads above."""
    spread: dict[str, list[float]] = {}
    for schedule, duration in durations:
        spread.setdefault(schedule, []).append(float(duration))
    found = []
    for row in counts:
        values = spread.get(row[0], [])
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        found.append(
            Stats(
                str(row[0]),
                int(row[1]),
                int(row[2] or 0),
                int(row[3] or 0),
                int(row[4] or 0),
                int(row[5] or 0),
                None if p50 is None else round(p50, 3),
                None if p95 is None else round(p95, 3),
            )
        )
    return found


def server_sql(names: Sequence[str] | None, since: str | None) -> tuple[str, list[Any]]:
    """PostgreSQL: the counts and ``percentile_cont`` p50/p95 in one read (names in code point order)."""
    window, args = where(names, since)
    filtered = ", ".join(
        f"COUNT(*) FILTER (WHERE status = '{status}')"
        for status in (SUCCEEDED, FAILED, REFUSED, RUNNING)
    )
    spread = ", ".join(
        f"percentile_cont({share}) WITHIN GROUP (ORDER BY duration) FILTER (WHERE {_FINISHED})"
        for share in (0.5, 0.95)
    )
    return (
        f'SELECT name, COUNT(*), {filtered}, {spread} FROM runs{window} GROUP BY name ORDER BY name COLLATE "C"',
        args,
    )


def from_server(rows: Iterable[Sequence[Any]]) -> list[Stats]:
    """``Stats`` from ``server_sql``'s rows."""
    return [
        Stats(
            str(r[0]),
            int(r[1]),
            int(r[2]),
            int(r[3]),
            int(r[4]),
            int(r[5]),
            None if r[6] is None else round(float(r[6]), 3),
            None if r[7] is None else round(float(r[7]), 3),
        )
        for r in rows
    ]
