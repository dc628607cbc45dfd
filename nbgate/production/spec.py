"""What one run needs from the registry, and the run-time inputs around it.

``RunSpec`` is the production view of a registry revision (built by
``nbgate.production.adapt``); the helpers here turn command-line text into a
logical date, a run id and typed parameters.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any, NamedTuple

from nbgate import parameters
from nbgate.errors import UsageError

ACTIVE = "active"
PAUSED = "paused"
RETIRED = "retired"

#: The parameter that receives the logical date when the parameters cell defines it.
RUN_DATE = "run_date"

_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")


class RunSpec(NamedTuple):
    """A schedule revision as ``nbgate run`` sees it."""

    name: str
    rev: int
    state: str
    notebook: str
    source_sha256: str
    commit: str | None
    parameters: Mapping[str, Any]
    kernel: str | None = None
    timezone: str = "UTC"
    timeout: float | None = None
    cell_timeout: float | None = None
    retries: int = 0
    retry_delay: float = 0.0
    output: str = ""
    #: The git blob id of the promoted notebook ('' when the revision records none).
    blob: str = ""


def zone(name: str) -> Any:
    """The ``zoneinfo`` zone called ``name`` (``UsageError`` when unknown)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown timezone {name!r}") from None


def logical_date(text: str | None, tz: str, *, now: datetime | None = None) -> str:
    """``YYYY-MM-DD`` from ``--date``: a date, ``today`` or ``yesterday`` (in ``tz``); default today."""
    current = (now or datetime.now(timezone.utc)).astimezone(zone(tz)).date()
    if text is None or text == "today":
        return current.isoformat()
    if text == "yesterday":
        return (current - timedelta(days=1)).isoformat()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise UsageError(f"--date {text!r}: expected YYYY-MM-DD, today or yesterday") from None


def new_run_id(now: datetime | None = None) -> str:
    """A fresh, sortable run id: UTC time plus 6 random hex digits."""
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(3)}"


def check_run_id(text: str) -> str:
    """``text`` if it is a safe run id (it becomes part of a path or object key)."""
    if not _RUN_ID.match(text) or ".." in text:
        raise UsageError(
            f"--run-id {text!r}: use letters, digits, '.', '_' and '-' (at most 128, no '..')"
        )
    return text


def attempt_run_id(run_id: str, attempt: int) -> str:
    """The run id of retry ``attempt`` (1 is the run id itself; retries get ``-retryN``)."""
    return run_id if attempt <= 1 else f"{run_id}-retry{attempt - 1}"


def merge_parameters(
    production: Mapping[str, Any],
    overrides: Mapping[str, Any],
    run_date: str,
    declared: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Production parameters < ``run_date`` (if declared) < ``--param`` overrides.

    ``declared`` maps the names the notebook's parameters cell defines to
    their defaults (None: the notebook has no parameters cell); overrides
    (``--param`` text) are typed by those defaults, by the one rule of
    ``nbgate.parameters``. An override the notebook does not define is an
    error, since papermill would only warn and the run would silently ignore
    it; ``run_date`` comes from ``--date`` only.
    """
    names = declared or {}
    if RUN_DATE in overrides:
        raise UsageError(f"--param {RUN_DATE}=...: give the logical date with --date")
    unknown = sorted(set(overrides) - set(names))
    if unknown:
        if declared is None:
            raise UsageError(
                f"--param {', '.join(unknown)}: not defined in the notebook (it has no parameters cell)"
            )
        defined = ", ".join(names) or "none"
        raise UsageError(
            f"--param {', '.join(unknown)}: not defined in the notebook's parameters cell "
            f"(it defines: {defined})"
        )
    merged = dict(production)
    if RUN_DATE in names:
        merged[RUN_DATE] = run_date
    merged.update(parameters.typed(overrides, names))
    return merged
