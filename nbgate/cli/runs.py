"""``nbgate runs``: read the run index; ``runs stats``, ``runs migrate``, ``runs flush``.

``nbgate runs [NAME] [--status S] [--since T] [--until T] [--limit N] [--format table|json]``
``nbgate runs stats [NAME] [--days N] [--limit N] [--exact] [--format table|json]``
``nbgate runs migrate [--from URL --to URL]``
``nbgate runs flush``

The services are ``nbgate.production.runs``.
"""

from __future__ import annotations

import argparse

from nbgate.config import Config
from nbgate.errors import UsageError
from nbgate.production.index import STATUSES
from nbgate.production.runs import flush, migrate, runs, stats

_ACTIONS = ("stats", "migrate", "flush")


def _dispatch(ns: argparse.Namespace, config: Config) -> int:
    words = list(ns.words)
    action = words.pop(0) if words and words[0] in _ACTIONS else None
    if len(words) > 1:
        raise UsageError(f"runs: unexpected argument {words[1]!r}")
    name = words[0] if words else None
    if action is None:
        if ns.days is not None or ns.exact or ns.source or ns.target:
            raise UsageError(
                "runs: --days and --exact are for `runs stats`, --from/--to for `runs migrate`"
            )
        return runs(
            config=config,
            name=name,
            status=ns.status,
            fmt=ns.fmt,
            limit=ns.limit or None,
            since=ns.since,
            until=ns.until,
        )
    if action == "stats":
        return stats(
            config=config,
            name=name,
            days=7 if ns.days is None else ns.days,
            fmt=ns.fmt,
            exact=ns.exact,
            limit=ns.limit or None,
        )
    if name is not None:
        raise UsageError(f"runs {action}: unexpected argument {name!r}")
    if action == "migrate":
        return migrate(config=config, source=ns.source, target=ns.target)
    return flush(config=config)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate runs``."""
    parser = subparsers.add_parser(
        "runs",
        help="list production runs from the run index; `runs stats`, `runs migrate`, `runs flush`",
        usage="nbgate runs [NAME] [options] | runs stats [NAME] [--days N] [--limit N] [--exact] | runs migrate [--from URL --to URL] "  # noqa: E501 - the usage line kept whole
        "| runs flush",
    )
    parser.add_argument(
        "words", nargs="*", metavar="NAME", help="only this schedule (or: stats, migrate, flush)"
    )
    parser.add_argument("--status", choices=STATUSES, help="only runs with this status")
    parser.add_argument(
        "--since", metavar="TIME", help="runs started at or after: YYYY-MM-DD, ISO time, 7d, 12h"
    )
    parser.add_argument(
        "--until", metavar="TIME", help="runs started before (a date includes that day)"
    )
    parser.add_argument(
        "--format", dest="fmt", choices=("table", "json"), default="table", help="output format"
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=20,
        metavar="N",
        help="the newest N runs; runs stats: the N schedules with the lowest success rate "
        "(0 = all; default 20)",
    )
    parser.add_argument(
        "--days", type=int, metavar="N", help="runs stats: the last N days (default 7)"
    )
    parser.add_argument(
        "--exact",
        action="store_true",
        help="runs stats: p50/p95 from the rows, not the summary's histogram (within 2 %%)",
    )
    parser.add_argument(
        "--from", dest="source", metavar="URL", help="runs migrate: copy from this index URL"
    )
    parser.add_argument(
        "--to", dest="target", metavar="URL", help="runs migrate: copy into this index URL"
    )
    parser.set_defaults(run=_dispatch)
