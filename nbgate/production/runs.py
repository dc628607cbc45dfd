"""The services of ``nbgate runs``: list runs, ``runs stats``, ``runs migrate``, ``runs flush``.

``runs`` lists the run index (table or JSON), ``stats`` prints per-schedule
counts and durations, ``migrate`` upgrades or copies an index, ``flush``
writes spooled records. Each opens the index and closes it when done. The
command line is ``nbgate.cli.runs``.

This path imports little (no kernel or notebook machinery; psycopg only for
a PostgreSQL index): it is what people type to ask "did it run?".
"""

from __future__ import annotations

import json
import os
import re
import sys
from contextlib import closing
from datetime import datetime, timedelta, timezone

from nbgate import output
from nbgate.config import Config, mask_url
from nbgate.errors import OK, UsageError
from nbgate.production.index import (
    Query,
    RunIndex,
    RunIndexError,
    liveness,
    open_index,
    open_url,
    spool,
)
from nbgate.production.index.model import stamp

_COLOURS = {
    "succeeded": "green",
    "failed": "red",
    "refused": "yellow",
    "running": "cyan",
    "lost": "magenta",
}
_RELATIVE = re.compile(r"(\d+)([dhm])\Z")


def _where(uri: str | None) -> str:
    """An output location, relative to the current folder when it (symlinks resolved) is below it."""
    if not uri:
        return ""
    if "://" in uri:
        return uri
    try:
        # os.path, not Path.resolve(): that stats each path once more, a millisecond per 20 rows
        real, here = os.path.realpath(uri), os.getcwd()
    except ValueError:
        return uri
    inside = real == here or real.startswith(here.rstrip(os.sep) + os.sep)
    return os.path.relpath(uri) if inside else uri


def parse_time(text: str, *, option: str, end: bool = False) -> str:
    """``--since``/``--until``: ``YYYY-MM-DD`` (a whole day), an ISO time, or ``7d``/``12h``/``30m`` ago."""
    value = text.strip()
    relative = _RELATIVE.match(value)
    if relative:
        unit = {"d": "days", "h": "hours", "m": "minutes"}[relative.group(2)]
        return stamp(datetime.now(timezone.utc) - timedelta(**{unit: int(relative.group(1))}))
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{option} {text!r}: expected YYYY-MM-DD, an ISO time or 7d/12h/30m"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    if end and len(value) == 10:  # --until 2024-05-01 includes that day
        moment += timedelta(days=1)
    return stamp(moment)


def _note(text: str) -> None:
    """A side note on stderr, so ``--format json`` output stays parseable."""
    sys.stderr.write(text + "\n")


def flush(*, config: Config) -> int:
    """``runs flush``: write the spooled records now and say how many."""
    with closing(open_index(config)) as index:
        return _flush(config, index, loud=True)


def _flush(config: Config, index: RunIndex, *, loud: bool = False) -> int:
    """Write records an earlier run spooled while the index was unreachable."""
    queue = spool(config)
    if not queue.path.exists():
        if loud:
            _note("nothing spooled")
        return OK
    count = queue.flush(index)
    left = queue.pending()
    if count or loud:
        _note(
            f"run index: {count} spooled record(s) written"
            + (f", {left} still waiting" if left else "")
        )
    return OK


def runs(
    *,
    config: Config,
    name: str | None = None,
    status: str | None = None,
    fmt: str = "table",
    limit: int | None = 20,
    since: str | None = None,
    until: str | None = None,
) -> int:
    """Print runs, newest first; failed runs show their error and their output notebook."""
    query = Query(
        name=name,
        status=status,
        limit=limit,
        since=parse_time(since, option="--since") if since else None,
        until=parse_time(until, option="--until", end=True) if until else None,
    )
    with closing(open_index(config)) as index:
        _quiet_flush(config, index)
        records = index.list(query, liveness=liveness(config))
    if fmt == "json":
        output.result(json.dumps([record.as_json() for record in records], indent=2))
        return OK
    if not records:
        output.echo(
            "no runs"
            + (f" of {name}" if name else "")
            + (f" with status {status}" if status else "")
        )
        return OK
    rows = []
    for record in records:
        duration = "" if record.duration is None else f"{record.duration:.1f}s"
        rows.append(
            [
                record.started.replace("T", " ")[:19],
                record.name,
                "" if record.rev is None else str(record.rev),
                record.date or "",
                record.run_id,
                output.style(record.shown, _COLOURS.get(record.shown, "dim")),
                duration,
                _where(record.output),
                (record.error or "").splitlines()[0][:120] if record.error else "",
            ]
        )
    headers = [
        "started (UTC)",
        "name",
        "rev",
        "date",
        "run id",
        "status",
        "time",
        "output",
        "error",
    ]
    output.result(output.table(headers, rows))
    return OK


def _quiet_flush(config: Config, index: RunIndex) -> None:
    if spool(config).path.exists():
        try:
            _flush(config, index)
        except RunIndexError as exc:
            output.warn(f"spooled run records still wait: {exc}")


def stats(
    *,
    config: Config,
    name: str | None = None,
    days: int = 7,
    fmt: str = "table",
    exact: bool = False,
    limit: int | None = 20,
) -> int:
    """Runs, success rate and p50/p95 duration per schedule over the last ``days`` days.

    p50/p95 come from the index's summary (within 2 %) unless ``exact``: then from the rows.
    Without a ``name``: the ``limit`` schedules (None: all) with the lowest success rate, worst first.
    """
    if days < 1:
        raise UsageError(f"--days {days}: expected 1 or more")
    if limit is not None and limit < 1:
        raise UsageError(f"--limit {limit}: expected 1 or more (0 for all)")
    since = stamp(datetime.now(timezone.utc) - timedelta(days=days))
    chosen = True if exact else None
    with closing(open_index(config)) as index:
        _quiet_flush(config, index)
        if name is not None:
            found, more = index.stats(name=name, since=since, exact=chosen), False
        else:
            found, more = index.ranked(since=since, limit=limit, exact=chosen)
    if fmt == "json":
        output.result(json.dumps([item.as_json() for item in found], indent=2))
        return OK
    if not found:
        output.echo("no runs" + (f" of {name}" if name else "") + f" in the last {days} days")
        return OK

    def secs(value: float | None) -> str:
        return "" if value is None else f"{value:.1f}s"

    rows = [
        [
            item.name,
            str(item.runs),
            str(item.succeeded),
            str(item.failed),
            str(item.refused),
            str(item.running),
            "" if item.success_rate is None else f"{item.success_rate * 100:.1f}%",
            secs(item.p50),
            secs(item.p95),
        ]
        for item in found
    ]
    headers = ["name", "runs", "succeeded", "failed", "refused", "running", "success", "p50", "p95"]
    output.result(output.table(headers, rows))
    if more:
        output.echo(
            f"the {len(found)} schedules with the lowest success rate in the last {days} days; "
            "more had runs (--limit 0 shows all)"
        )
    return OK


def migrate(*, config: Config, source: str | None = None, target: str | None = None) -> int:
    """Upgrade the configured index in place, or copy every row from ``source`` to ``target``."""
    if (source is None) != (target is None):
        raise UsageError("runs migrate: give both --from URL and --to URL, or neither")
    if source is None or target is None:
        with closing(open_index(config)) as index:
            before, after = index.migrate()
        output.result(f"run index {index.where}: schema {before} -> {after}")
        return OK
    timeout = float(config["run.index_timeout"])
    with (
        closing(open_url(source, config.root, timeout=timeout)) as src,
        closing(open_url(target, config.root, timeout=timeout)) as dst,
    ):
        src.migrate()
        dst.migrate()
        seen = copied = 0
        for batch in src.rows():
            seen += len(batch)
            copied += dst.insert_rows(batch)
    output.result(
        f"copied {copied} new run(s) of {seen} ({seen - copied} already there) from {mask_url(source)} "
        f"to {mask_url(target)}"
    )
    return OK
