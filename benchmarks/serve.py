"""Benchmark ``nbgate serve``: page render times on a big registry, and ``--static`` for it.

    python benchmarks/serve.py [--quick] [--runs N] [--schedules 1000] [--days 30] [--notebooks 20] [--postgres]

Builds (cached under ``benchmarks/.work/serve/<schedules>x<days>``) a
committed git repository with one notebook, a registry of ``--schedules``
schedules (assorted cron expressions and timezones; every 10th paused, every
25th retired, so they have 2 revisions) and a run index holding one run a
day for ``--days`` days per schedule (30,000 rows by default; about 8 %
failed). The newest failed run of the first ``--notebooks`` schedules has a
real output notebook on disk (40 code cells with outputs and a traceback);
the other rows name outputs that are not there (the page says so). Rows are
written through the run index's public ``insert_rows``. ``--postgres`` copies
the same rows into a throwaway PostgreSQL server (testing/postgres.py) and
serves from it (``NBGATE_RUN_INDEX_URL``) instead of the SQLite file.

Server time is measured in process through the ASGI application (routing,
middleware, data access, rendering; no sockets), median of ``--runs``
(default 10) after one cold request that fills the caches. The peer row is
``jupyter nbconvert --to html`` on the same output notebook, the usual way to
look at one without a viewer (whole process, median of 3). The schedules
page answers from its last run statistics (refreshed in the background once
they are ``STATS_TTL`` seconds old); the "(refresh)" row times it with the
statistics asked from the index, what the first request and each background
refresh cost. Targets (issue 16): the schedules page
and a run page under 300 ms; ``--static`` under 60 s.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import common_args, tool, work_dir

from nbgate import config as config_module
from nbgate.identity import source_sha256
from nbgate.notebook import dumps
from nbgate.production.index import open_index, open_url
from nbgate.production.index.model import DATA_COLUMNS
from nbgate.registry import model, store

ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney")
OWNERS = ("data@example.com", "finance@example.com", "ops@example.com", "growth@example.com")


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout.strip()


def _cell(source: str, outputs: list[dict[str, Any]], count: int | None) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": count,
        "metadata": {},
        "outputs": outputs,
        "source": source,
    }


def _notebook(cells: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def output_notebook(seed: int) -> dict[str, Any]:
    """A failed run's output: 40 code cells with printed output, the 38th raised."""
    cells = [_cell('run_date = "2024-01-01"\nregion = "eu"', [], 1)]
    for k in range(2, 41):
        if k == 38:
            cells.append(
                _cell(
                    "check(totals)",
                    [
                        {
                            "output_type": "error",
                            "ename": "ValueError",
                            "evalue": f"totals do not add up ({seed})",
                            "traceback": ["ValueError: totals do not add up"],
                        }
                    ],
                    k,
                )
            )
            break
        text = "".join(
            f"row {k}.{i}: {random.Random(seed + k + i).random():.6f}\n" for i in range(20)
        )
        cells.append(
            _cell(
                f"step_{k} = compute({k})\nprint(step_{k})",
                [{"output_type": "stream", "name": "stdout", "text": text}],
                k,
            )
        )
    for k, cell in enumerate(cells):
        cell["id"] = f"c{k}"
    return _notebook(cells)


def build(root: Path, schedules: int, days: int, notebooks: int) -> None:
    """The project: git repository, registry, run index and some output notebooks."""
    root.mkdir(parents=True)
    _git(root, "init", "-q", "-b", "main")
    (root / "pyproject.toml").write_text("[tool.nbgate]\n")
    nb = _notebook(
        [
            {
                **_cell('run_date = "2024-01-01"\nregion = "eu"', [], None),
                "id": "p",
                "metadata": {"tags": ["parameters"]},
            },
            {**_cell("print(region)", [], None), "id": "b"},
        ]
    )
    (root / "notebooks").mkdir()
    (root / "notebooks" / "job.ipynb").write_bytes(dumps(nb))
    _git(root, "add", "-A")
    _git(
        root, "-c", "user.name=bench", "-c", "user.email=b@example.com", "commit", "-q", "-m", "job"
    )
    commit = _git(root, "rev-parse", "HEAD")
    config = config_module.load(root, env={})
    sha = source_sha256(nb)
    rng = random.Random(16)
    names = [f"report-{k:04d}" for k in range(schedules)]
    crons = {}
    for k, name in enumerate(names):
        minute, hour = rng.randrange(60), rng.randrange(24)
        cron = [
            f"{minute} {hour} * * *",
            f"{minute} {hour} * * 1-5",
            "*/30 * * * *",
            f"{minute} */6 * * *",
        ][k % 4]
        crons[name] = hour
        first = model.Revision(
            name=name,
            rev=1,
            action="promote",
            notebook="notebooks/job.ipynb",
            source_sha256=sha,
            commit=commit,
            schedule=cron,
            timezone=ZONES[k % len(ZONES)],
            parameters={"region": "eu"},
            owners=(OWNERS[k % len(OWNERS)],),
            evidence={"outcome": "passed", "source_sha256": sha},
            promoted_by="Bench <b@example.com>",
            promoted_at="2024-01-01T00:00:00Z",
        )
        stored = store.create_revision(config, first)
        if k % 10 == 0 or k % 25 == 0:
            action = "retire" if k % 25 == 0 else "pause"
            store.create_revision(
                config,
                model.Revision(
                    **{
                        **first.__dict__,
                        "rev": 2,
                        "action": action,
                        "previous_sha256": stored.sha256,
                        "source_rev": 1,
                    }
                ),
            )
    index = open_index(config)
    now = time.time()
    rows = []
    with_output: set[int] = set()
    row_id = 0
    for day in range(days, 0, -1):
        for k, name in enumerate(names):
            row_id += 1
            stamp = time.gmtime(now - day * 86400 + crons[name] * 3600 - 43200)
            started = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", stamp)
            date = started[:10]
            failed = rng.random() < 0.08 or (day == 1 and k < notebooks)
            duration = round(rng.uniform(5, 600), 3)
            run_id = f"{date.replace('-', '')}T060000Z-{row_id:06x}"
            output = str(root / ".nbgate" / "runs" / name / date / f"1-{run_id}.ipynb")
            if day == 1 and k < notebooks:
                with_output.add(row_id)
                Path(output).parent.mkdir(parents=True, exist_ok=True)
                Path(output).write_bytes(dumps(output_notebook(row_id)))
            values = (
                f"bench-{row_id}",
                name,
                1,
                date,
                run_id,
                1,
                "failed" if failed else "succeeded",
                started,
                started,
                duration,
                started,
                output,
                "cell 38 (In [38]): ValueError: totals do not add up" if failed else None,
                f"git:{commit}",
                sha,
                json.dumps({"region": "eu", "run_date": date}),
                "worker-1",
                4242,
            )
            rows.append(dict(zip(DATA_COLUMNS, values, strict=True)))
    for chunk in range(0, len(rows), 5000):  # rows get ids 1, 2, ... in this order
        index.insert_rows(rows[chunk : chunk + 5000])
    (root / "bench.json").write_text(json.dumps({"failed_with_output": sorted(with_output)}))


async def _get(app: Any, path: str) -> tuple[int, int]:
    status: list[int] = []
    size = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal size
        if message["type"] == "http.response.start":
            status.append(message["status"])
        elif message["type"] == "http.response.body":
            size += len(message.get("body", b""))

    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 8765),
    }
    await app(scope, receive, send)
    return status[0], size


def time_page(app: Any, path: str, runs: int) -> tuple[float, float, int]:
    """(cold seconds, median warm seconds, bytes) of GET ``path``."""
    loop = asyncio.new_event_loop()
    try:
        started = time.perf_counter()
        code, size = loop.run_until_complete(_get(app, path))
        cold = time.perf_counter() - started
        if code != 200:
            raise SystemExit(f"GET {path}: {code}")
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            loop.run_until_complete(_get(app, path))
            times.append(time.perf_counter() - started)
    finally:
        loop.close()
    return cold, statistics.median(times), size


def main() -> None:
    parser = common_args(__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--notebooks", type=int, default=20)
    parser.add_argument(
        "--postgres", action="store_true", help="serve the runs from a throwaway PostgreSQL server"
    )
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 10)
    root = work_dir("serve") / f"{args.schedules}x{args.days}x{args.notebooks}"
    if not (root / "bench.json").exists():
        shutil.rmtree(root, ignore_errors=True)
        started = time.perf_counter()
        build(root, args.schedules, args.days, args.notebooks)
        print(f"built {root} in {time.perf_counter() - started:.1f}s")
    server = None
    env: dict[str, str] = {}
    if args.postgres:
        from testing.postgres import Server

        server = Server()
        env["NBGATE_RUN_INDEX_URL"] = server.create_database("bench")
        source, target = (
            open_index(config_module.load(root, env={})),
            open_url(env["NBGATE_RUN_INDEX_URL"], root),
        )
        for batch in source.rows():
            target.insert_rows(batch)
    try:
        measure(root, args, runs, env)
    finally:
        if server is not None:
            server.close()


def measure(root: Path, args: Any, runs: int, env: dict[str, str]) -> None:
    """Time the pages of the project at ``root`` (runs from ``env``'s index, else the SQLite file)."""
    from nbgate.web.app import create_app
    from nbgate.web.data import Data
    from nbgate.web.pages import Pages

    config = config_module.load(root, env=env)
    data = Data(config)
    app = create_app(Pages(data))
    failed, other = json.loads((root / "bench.json").read_text())["failed_with_output"][:2]
    everything = open_index(config).list()
    record = next(r for r in everything if r.id == failed)
    second = next(r for r in everything if r.id == other)
    rows = len(everything)
    run_path = f"/schedules/{record.name}/runs/{record.id}/"
    cases = [
        ("schedules page", "/"),
        ("schedules page, filtered (owner)", "/?owner=ops%40example.com"),
        ("a schedule page", f"/schedules/{record.name}/"),
        ("a run page (failed)", run_path),
        ("runs page (newest 500, 12 charts)", "/runs/"),
        ("output notebook (nbconvert, cached after first)", run_path + "notebook.html"),
        (
            "another output notebook, cached after first",
            f"/schedules/{second.name}/runs/{second.id}/notebook.html",
        ),
    ]
    print(
        f"\nnbgate serve, {args.schedules} schedules, {rows} runs in {data.index.where.split(':')[0]}; "
        f"server time in process, "
        f"median of {runs} after one cold request\n"
    )
    print(f"{'page':<50} {'cold ms':>9} {'median ms':>10} {'KiB':>7}")
    print(
        "(cold: the first request; for the first notebook it includes importing nbconvert, which"
        " `nbgate serve` does in the background at start-up)"
    )
    results = {}
    for label, path in cases:
        cold, warm, size = time_page(app, path, runs)
        results[label] = cold if label.startswith("another") else warm
        print(f"{label:<50} {cold * 1000:>9.1f} {warm * 1000:>10.1f} {size / 1024:>7.0f}")
    uncached = []
    for _ in range(runs):
        data._stats = None  # what every request would cost without the STATS_TTL cache
        loop = asyncio.new_event_loop()
        started = time.perf_counter()
        loop.run_until_complete(_get(app, "/"))
        uncached.append(time.perf_counter() - started)
        loop.close()
    results["schedules page, no stats cache"] = statistics.median(uncached)
    print(
        f"{'schedules page, stats asked from the index (refresh)':<50} {'':>9} "
        f"{results['schedules page, no stats cache'] * 1000:>10.1f}"
    )
    output = record.output or ""
    peer = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run(
            [
                tool("jupyter"),
                "nbconvert",
                "--to",
                "html",
                "--output-dir",
                str(root / "peer"),
                output,
            ],
            check=True,
            capture_output=True,
        )
        peer.append(time.perf_counter() - started)
    print(
        f"{'peer: jupyter nbconvert --to html (process)':<50} {'':>9} {statistics.median(peer) * 1000:>10.1f}"
    )
    site = root / "site"
    shutil.rmtree(site, ignore_errors=True)
    for label in ("--static (fresh folder)", "--static again (nothing changed)"):
        started = time.perf_counter()
        done = subprocess.run(
            [tool("nbgate"), "serve", "--static", str(site)],
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, **env},
        )
        print(
            f"{label:<50} {'':>9} {(time.perf_counter() - started) * 1000:>10.0f}  "
            f"{done.stdout.strip().splitlines()[-1]}"
        )
    for label, limit in (("schedules page", 0.3), ("a run page (failed)", 0.3)):
        verdict = "ok" if results[label] < limit else "OVER"
        print(f"target: {label} < {limit * 1000:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
