"""What every page of ``nbgate serve`` shares: the policies, templates, ``NotFound``, the formatting.

Used by ``pages`` (the HTML of each page), ``app`` (the server's headers and assets) and
``static`` (the ``--static`` folder).
"""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from nbgate.production.index import RunRecord

#: Policy of every app page: styles and frames from the app only, no script at all.
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
    "form-action 'self'; base-uri 'none'"
)
#: Policy of an output notebook or diff document: sandboxed, inline styles and data images only.
DOCUMENT_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"
)
TEMPLATES = Path(__file__).with_name("templates") / "pages"
ASSETS = Path(__file__).with_name("assets")
#: The only files served from disk (style sheets), read once at start-up.
ASSET_NAMES = ("style.css",)
RUNS_SHOWN = 500
CHARTS_SHOWN = 12
SCHEDULE_RUNS_SHOWN = 100


class NotFound(Exception):
    """Nothing the registry or run index names lives at this address."""


def environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def when(stamp: str | None) -> str:
    """An index or registry UTC time for people: ``2026-11-27 06:00:12``."""
    return stamp.replace("T", " ").rstrip("Z")[:19] if stamp else ""


def seconds(value: float | None) -> str:
    """A duration for people."""
    if value is None:
        return ""
    if value >= 3600:
        return f"{value / 3600:.1f} h"
    if value >= 60:
        return f"{value / 60:.1f} min"
    return f"{value:.1f} s"


def schedule_href(name: str) -> str:
    """Link (from the root) of a schedule's page."""
    return f"schedules/{name}/index.html"


def run_href(record: RunRecord) -> str:
    """Link (from the root) of a run's page."""
    return f"schedules/{record.name}/runs/{record.id}/index.html"


def first_line(text: str | None, width: int = 140) -> str:
    return text.strip().splitlines()[-1][:width] if text and text.strip() else ""


@functools.lru_cache(maxsize=8192)
def shown_times(times: tuple[datetime, ...], zone: str) -> tuple[str, ...]:
    tz = ZoneInfo(zone)
    return tuple(moment(t.astimezone(tz)) for t in times)


_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def moment(t: datetime) -> str:
    """``Sat 2026-11-28 06:00 CET`` (``strftime`` with ``%Z`` is slow on a thousand rows)."""
    return (
        f"{_DAY_NAMES[t.weekday()]} {t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d} "
        f"{t.tzname() or ''}"
    ).rstrip()


def within(record: RunRecord, since: str, until: str) -> bool:
    day = record.date or record.started[:10]
    return (not since or day >= since) and (not until or day <= until)


def with_policy(document: str) -> str:
    """``document`` with the no-script policy as a meta tag too (for static hosting, where headers are not ours)."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{DOCUMENT_CSP.replace("sandbox; ", "")}">'
    head = document.find("<head>")
    if head < 0:
        return meta + document
    return document[: head + 6] + meta + document[head + 6 :]


def given(output: str | Exception) -> str:
    """An output notebook's text read by the caller, or the error its read raised (raised again)."""
    if isinstance(output, Exception):
        raise output
    return output
