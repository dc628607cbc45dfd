"""The run index at fleet scale: SQLite file vs PostgreSQL server, side by side.

1. A simulated day: 150,000 runs (a start row and a finish row each, through
   the same ``RunIndex.start``/``finish`` calls ``nbgate run`` makes) written by
   16 concurrent processes: rows/s and p50/p99 write latency per backend.
2. Reads on an index of 1,000,000 rows (10,000 schedules over 30 days):
   ``nbgate runs NAME --limit 20``, ``runs stats NAME --days 30``, the fleet
   view ``runs stats --days 30`` (the 20 worst schedules; also with its
   ``stats-fleet`` fast path off), and every schedule (``--limit 0``, from
   the stats summary, and ``--exact`` from the rows) as whole processes
   (start-up included), median of N, beside ``python -c pass``; ``--python
   PATH`` times them with another interpreter that has nbgate pip-installed
   (a fresh venv: no editable install, no site hooks of this machine).

The PostgreSQL server is a throwaway cluster (testing/postgres.py, Unix
socket, fsync off as in the tests); SQLite is as nbgate sets it up (WAL,
``synchronous = NORMAL``). The read index is bulk-loaded with the
summary's triggers off, then ``rebuild_summary`` counts it (SQLite: one
transaction; PostgreSQL: COPY). Usage: ``python benchmarks/index.py [--quick]
[--runs N] [--day-runs N] [--rows N] [--python PATH]``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import sqlite3
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from _timing import Case, common_args, interleaved, print_table, runs_from, work_dir

from nbgate.production.index import open_url, summary
from nbgate.production.index.model import DATA_COLUMNS, stamp
from testing.postgres import Server

WRITERS = 16
SCHEDULES = 10_000


def _writer(url: str, root: str, worker: int, runs: int, out: str) -> None:
    index = open_url(url, Path(root), timeout=60.0)
    latencies: list[float] = []
    for i in range(runs):
        key = f"w{worker}-{i}"
        t0 = time.perf_counter()
        index.start(
            key=key,
            name=f"schedule-{(worker * runs + i) % SCHEDULES}",
            rev=1,
            date="2024-05-01",
            run_id=key,
            attempt=1,
            output=f"/out/{key}.ipynb",
            source="git:abc",
            source_sha256="0" * 64,
            parameters={"n": i},
        )
        t1 = time.perf_counter()
        index.finish(key, status="succeeded" if i % 10 else "failed", duration=1.0 + (i % 50))
        t2 = time.perf_counter()
        latencies += [t1 - t0, t2 - t1]
    Path(out).write_text(json.dumps(latencies))


def simulated_day(url: str, work: Path, runs: int) -> dict[str, float]:
    """``runs`` runs by WRITERS processes; rows/s and latency percentiles (ms)."""
    per = runs // WRITERS
    outs = [work / f"lat-{n}.json" for n in range(WRITERS)]
    context = multiprocessing.get_context("spawn")
    procs = [
        context.Process(target=_writer, args=(url, str(work), n, per, str(outs[n])))
        for n in range(WRITERS)
    ]
    start = time.perf_counter()
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    wall = time.perf_counter() - start
    if any(proc.exitcode != 0 for proc in procs):
        raise SystemExit(f"a writer failed on {url}")
    latencies = sorted(x for out in outs for x in json.loads(out.read_text()))
    return {
        "rows": float(len(latencies)),
        "wall": wall,
        "rows_s": len(latencies) / wall,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99)] * 1000,
    }


def _rows(count: int) -> list[tuple[object, ...]]:
    rng = random.Random(7)
    now = datetime.now(timezone.utc)
    rows = []
    for i in range(count):
        started = now - timedelta(seconds=rng.uniform(0, 30 * 86400))
        duration = round(rng.lognormvariate(3, 1), 3)
        status = "failed" if rng.random() < 0.05 else "succeeded"
        rows.append(
            (
                f"bulk-{i}",
                f"schedule-{i % SCHEDULES}",
                1,
                started.date().isoformat(),
                f"bulk-{i}",
                1,
                status,
                stamp(started),
                stamp(started + timedelta(seconds=duration)),
                duration,
                stamp(started + timedelta(seconds=duration)),
                f"/out/bulk-{i}.ipynb",
                None,
                "git:abc",
                "0" * 64,
                "{}",
                "bench",
                1,
            )
        )
    return rows


def load(url: str, root: Path, rows: list[tuple[object, ...]]) -> float:
    """Bulk-load ``rows`` (untimed setup for the reads); seconds taken."""
    index = open_url(url, root)
    index.migrate()
    start = time.perf_counter()
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url[len("sqlite:///") :], isolation_level=None)
        connection.execute("BEGIN")
        for trigger in ("insert", "update", "delete"):  # one recount instead of a trigger per row
            connection.execute(f"DROP TRIGGER runs_summary_{trigger}")
        connection.executemany(
            f"INSERT INTO runs ({', '.join(DATA_COLUMNS)}) VALUES "
            f"({', '.join('?' for _ in DATA_COLUMNS)})",
            rows,
        )
        for statement in summary.sqlite_triggers():
            connection.execute(statement)
        connection.execute("COMMIT")
        index.rebuild_summary()
        connection.execute("ANALYZE")
        connection.close()
    else:
        import psycopg

        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(
                "SET session_replication_role = replica"
            )  # no per-row triggers: one recount
            with connection.cursor().copy(
                f"COPY runs ({', '.join(DATA_COLUMNS)}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            connection.execute("SET session_replication_role = DEFAULT")
            index.rebuild_summary()
            connection.execute("VACUUM ANALYZE")
    return time.perf_counter() - start


#: The timed reads (whole processes): what the table calls them, and their arguments.
READS = {
    "runs NAME --limit 20": ["runs", "schedule-42", "--limit", "20"],
    "runs stats NAME --days 30": ["runs", "stats", "schedule-42", "--days", "30"],
    "runs stats --days 30": ["runs", "stats", "--days", "30"],
    "runs stats --days 30 --limit 0": [
        *("runs", "stats", "--days", "30", "--limit", "0", "--format", "json"),
    ],
    "runs stats --days 30 --limit 0 --exact": [
        *("runs", "stats", "--days", "30", "--limit", "0", "--exact", "--format", "json"),
    ],
}
#: The fleet view with its fast path off: every schedule read and sorted in Python.
FLEET_OFF = "runs stats --days 30 (stats-fleet off)"


def _summary_table(
    day_runs: int, rows: int, day: dict[str, dict[str, float]], reads: dict[str, float]
) -> None:
    """One table: the simulated day's writes and the reads' medians, per backend."""
    columns = [*READS, FLEET_OFF]
    print(
        f"\nrun index: a day of {day_runs} runs by {WRITERS} writers; reads on {rows} rows "
        f"(median wall s, whole process; python -c pass {reads['python -c pass']:.3f} s)"
    )
    headers = ["backend", "rows/s", "p99 write ms", *columns]
    print(" | ".join(headers))
    print(" | ".join("---" for _ in headers))
    for label in ("SQLite", "PostgreSQL"):
        written = day.get(label)
        cells = [
            label,
            f"{written['rows_s']:.0f}" if written else "-",
            f"{written['p99']:.1f}" if written else "-",
        ]
        cells += [f"{reads[f'{label}: {column}']:.3f}" for column in columns]
        print(" | ".join(cells))


def main() -> None:
    parser = common_args(__doc__ or "")
    parser.add_argument(
        "--day-runs",
        type=int,
        default=150_000,
        help="runs in the simulated day (default 150000; 0: reads only)",
    )
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="rows in the read index (default 1000000)"
    )
    parser.add_argument(
        "--python",
        metavar="PATH",
        help="time the reads with this interpreter, where nbgate is pip-installed (e.g. a fresh "
        "venv: `python -m venv v && v/bin/pip install '.[postgres]'`), not this checkout",
    )
    args = parser.parse_args()
    runs = runs_from(args)
    day_runs = 8_000 if args.quick else args.day_runs
    rows = 50_000 if args.quick else args.rows
    work = work_dir("index")
    server = Server()
    try:
        urls = {
            "SQLite": f"sqlite:///{work / 'day.db'}",
            "PostgreSQL": server.create_database("day"),
        }
        (work / "day.db").unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            (work / f"day.db{suffix}").unlink(missing_ok=True)
        day = {}
        for label, url in urls.items():
            if day_runs > 0:
                day[label] = simulated_day(url, work, day_runs)
                print(f"{label}: simulated day done in {day[label]['wall']:.1f} s", flush=True)
        print(f"\nsimulated day: {day_runs} runs (start + finish rows) by {WRITERS} processes")
        print(
            f"{'backend':<12} {'rows':>8} {'wall s':>8} {'rows/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
        )
        for label, result in day.items():
            print(
                f"{label:<12} {int(result['rows']):>8} {result['wall']:>8.1f} {result['rows_s']:>8.0f} "
                f"{result['p50']:>8.2f} {result['p99']:>8.2f}"
            )

        read_urls = {
            "SQLite": f"sqlite:///{work / 'big.db'}",
            "PostgreSQL": server.create_database("big"),
        }
        for suffix in ("", "-wal", "-shm"):
            (work / f"big.db{suffix}").unlink(missing_ok=True)
        data = _rows(rows)
        for label, url in read_urls.items():
            print(f"loaded {rows} rows into {label} in {load(url, work, data):.1f} s")
        project = work / "project"
        project.mkdir(exist_ok=True)
        (project / "pyproject.toml").write_text("[tool.nbgate]\n")
        python = args.python or sys.executable
        env = dict(os.environ)
        if args.python:  # its own nbgate: no PYTHONPATH into this checkout
            env.pop("PYTHONPATH", None)
        else:
            env["PYTHONPATH"] = str(HERE.parent)
        cases = [Case("python -c pass", [python, "-c", "pass"], env=env)]
        for label, url in read_urls.items():
            case_env = {**env, "NBGATE_RUN_INDEX_URL": url}
            cases += [
                Case(f"{label}: {column}", [python, "-m", "nbgate", *argv], env=case_env)
                for column, argv in READS.items()
            ]
            cases.append(
                Case(
                    f"{label}: {FLEET_OFF}",
                    [python, "-m", "nbgate", *READS["runs stats --days 30"]],
                    env={**case_env, "NBGATE_NO_FAST_PATHS": "stats-fleet"},
                )
            )
        timings = interleaved(cases, runs=runs, cwd=project)
        print_table(
            f"reads on {rows} rows ({SCHEDULES} schedules, 30 days), whole process",
            timings,
            baseline="python -c pass",
        )
        _summary_table(day_runs, rows, day, {t.label: t.median for t in timings})
    finally:
        server.close()


if __name__ == "__main__":
    main()
