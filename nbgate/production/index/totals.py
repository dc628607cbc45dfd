"""Running totals per schedule (PostgreSQL): the fleet view of ``runs stats`` in one short scan.

Ranking every schedule over a window needs each schedule's counts over that
window. Summing ``run_days`` does that by reading a row per schedule and day
(300,000 rows for 10,000 schedules over 30 days, about 100 ms on the server);
``run_totals`` answers it from one row per schedule (about 10 ms):

``run_totals (name, base, counts)``: ``SPAN`` days of prefix sums of the
three counts the rank reads (``COUNTS``: runs, succeeded, failed), in one
array, day by day: for day ``i`` (1-based) and count ``c`` (0, 1, 2) element
``3 * (i - 1) + c + 1`` counts the schedule's finished runs started from day
``base`` through day ``base + i - 1``. So a count over the whole days
``first`` .. the newest is its value on day ``SPAN`` less its value on day
``first - base`` (a day below 1 reads as 0, one above ``SPAN`` as ``SPAN``:
the days after the newest run add nothing). One array, not three: the scan
of every schedule costs what reading the columns costs.

The same trigger function that keeps ``run_days`` (``summary``) calls
``nbgate_run_totals`` with the same changes, first, in the same transaction,
so the totals are the prefix sums of ``run_days`` by construction; its row
lock serialises writers of one schedule. A run on a day past the ring's end
moves ``base`` forward (``nbgate_shift``); a change on a day before ``base``
is not kept here. Windows of up to ``SPAN`` days are read from the totals
for every schedule whose ``base`` is not after the window's first day; the
rest (a window reaching before ``base``: a clock ahead by a day, a late row)
are summed from ``run_days``. A start time that is not a real date
(``nbgate_day`` gives NULL) is counted in ``run_days`` only, so it counts in
``runs stats NAME`` and ``--limit 0`` but does not move a schedule's rank.

SQLite has no arrays and no fleet: it sums ``run_days`` (see ``fleet``).
"""

from __future__ import annotations

from nbgate.production.index.model import FAILED, RUNNING, SUCCEEDED

#: Days a schedule's ring covers (windows up to a quarter; the row stays below TOAST's 2 kB).
SPAN = 92
#: The counts kept, in their order within a day (``fleet.rank`` reads them in this order).
COUNTS = ("runs", "succeeded", "failed")
_WIDE = len(COUNTS) * SPAN

TABLE = "CREATE TABLE IF NOT EXISTS run_totals (name TEXT PRIMARY KEY, base DATE NOT NULL, counts INTEGER[] NOT NULL)"
#: Finds the schedules whose ring starts after a window's first day (almost always none).
BY_BASE = "CREATE INDEX IF NOT EXISTS run_totals_by_base ON run_totals (base)"


def _at(day: str, count: int) -> str:
    """The element of count ``count`` on ring day ``day`` (an SQL expression, 1-based)."""
    return f"{len(COUNTS)} * ({day}) - {len(COUNTS) - 1 - count}"


#: Functions: a start day as a date (NULL unless it is one), a ring moved forward, a change applied.
FUNCTIONS = (
    # never raises: a malformed or impossible date (2024-02-30) is NULL, so a write never fails here
    "CREATE OR REPLACE FUNCTION nbgate_day(t TEXT) RETURNS DATE LANGUAGE sql IMMUTABLE AS $fn$ "
    "SELECT CASE WHEN t ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' AND substr(t, 1, 4) <> '0000' "
    "AND to_char(CAST(substr(t, 1, 7) || '-01' AS DATE) + (CAST(substr(t, 9, 2) AS INTEGER) - 1), "
    "'YYYY-MM-DD') = t THEN CAST(t AS DATE) END $fn$",
    # day i of the ring moved ``s`` days on: the old day i + s (the last one past the end), less
    # everything before the new base (the old day s); j walks the elements, c is j's count
    "CREATE OR REPLACE FUNCTION nbgate_shift(a INTEGER[], s INTEGER) RETURNS INTEGER[] LANGUAGE sql "
    f"IMMUTABLE AS $fn$ SELECT array_agg(a[{len(COUNTS)} * LEAST((j - 1) / {len(COUNTS)} + 1 + s, {SPAN}) "
    f"- {len(COUNTS) - 1} + (j - 1) % {len(COUNTS)}] - a[{len(COUNTS)} * LEAST(s, {SPAN}) - {len(COUNTS) - 1} "
    f"+ (j - 1) % {len(COUNTS)}] ORDER BY j) FROM generate_series(1, {_WIDE}) AS j $fn$",
    "CREATE OR REPLACE FUNCTION nbgate_run_totals(p_name TEXT, p_day TEXT, d_runs INTEGER, "
    "d_succeeded INTEGER, d_failed INTEGER) RETURNS void LANGUAGE plpgsql AS $fn$ "
    "DECLARE t run_totals%ROWTYPE; day DATE := nbgate_day(p_day); k INTEGER; s INTEGER; "
    "BEGIN "
    "IF day IS NULL THEN RETURN; END IF; "
    "SELECT * INTO t FROM run_totals WHERE name = p_name FOR UPDATE; "
    "IF NOT FOUND THEN "
    f"INSERT INTO run_totals VALUES (p_name, day - {SPAN - 1}, array_fill(0, ARRAY[{_WIDE}])) "
    "ON CONFLICT (name) DO NOTHING; "
    "SELECT * INTO t FROM run_totals WHERE name = p_name FOR UPDATE; "
    "END IF; "
    "k := day - t.base + 1; "
    f"IF k > {SPAN} THEN s := k - {SPAN}; t.base := t.base + s; k := {SPAN}; "
    "t.counts := nbgate_shift(t.counts, s); END IF; "
    "IF k < 1 THEN RETURN; END IF; "
    f"FOR i IN k .. {SPAN} LOOP "
    + " ".join(
        f"t.counts[{_at('i', c)}] := t.counts[{_at('i', c)}] + d_{count};"
        for c, count in enumerate(COUNTS)
    )
    + " END LOOP; "
    "UPDATE run_totals SET base = t.base, counts = t.counts WHERE name = p_name; "
    "END $fn$",
)


def perform(row: str, sign: int) -> str:
    """PL/pgSQL that adds (``sign`` 1) or removes (-1) row ``row`` (``NEW``/``OLD``) from the totals."""
    flags = ", ".join(
        f"CASE WHEN {row}.status = '{status}' THEN {sign} ELSE 0 END"
        for status in (SUCCEEDED, FAILED)
    )
    return (
        f"IF {row}.status <> '{RUNNING}' THEN PERFORM nbgate_run_totals({row}.name, "
        f"substr({row}.started, 1, 10), {sign}, {flags}); END IF"
    )


#: Recount the totals from ``run_days`` (after ``summary.REBUILD``): each schedule's ring ends on its
#: newest day, as the trigger would have left it.
REBUILD = (
    "DELETE FROM run_totals",
    "INSERT INTO run_totals (name, base, counts) SELECT name, base, array_agg(CAST(v AS INTEGER) "
    "ORDER BY i, c) FROM (SELECT g.name, g.base, g.i, "
    + ", ".join(
        f"SUM(COALESCE(d.{count}, 0)) OVER (PARTITION BY g.name ORDER BY g.i) AS c_{count}"
        for count in COUNTS
    )
    + " FROM (SELECT b.name, b.base, i FROM (SELECT name, MAX(nbgate_day(day)) - "
    f"{SPAN - 1} AS base FROM run_days GROUP BY name HAVING MAX(nbgate_day(day)) IS NOT NULL) AS b "
    f"CROSS JOIN generate_series(1, {SPAN}) AS i) AS g "
    "LEFT JOIN run_days AS d ON d.name = g.name AND nbgate_day(d.day) = g.base + g.i - 1) AS sums "
    "CROSS JOIN LATERAL (VALUES "
    + ", ".join(f"({c}, c_{count})" for c, count in enumerate(COUNTS))
    + ") AS each (c, v) GROUP BY name, base",
)


def window_counts(first: str) -> tuple[str, list[str]]:
    """``COUNTS`` per schedule over the whole days from ``first`` (``YYYY-MM-DD``), one row each.

    From the totals where the ring reaches back to ``first``, else summed from ``run_days``.
    """
    day = f"LEAST(CAST(? AS DATE) - base, {SPAN})"
    read = ", ".join(
        f"counts[{_at(str(SPAN), c)}] - COALESCE(counts[{_at(day, c)}], 0)"
        for c in range(len(COUNTS))
    )
    summed = ", ".join(f"CAST(SUM({count}) AS INTEGER)" for count in COUNTS)
    statement = (
        f"SELECT name, {read} FROM run_totals WHERE base <= CAST(? AS DATE) "
        f"UNION ALL SELECT name, {summed} FROM run_days WHERE day >= ? "
        "AND name IN (SELECT name FROM run_totals WHERE base > CAST(? AS DATE)) GROUP BY name"
    )
    return statement, [first] * (len(COUNTS) + 3)
