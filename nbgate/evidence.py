"""The evidence ledger: one JSON file per executed notebook source hash.

``<state_dir>/evidence/<source_sha256>.json`` records the latest execution of
that exact notebook content. One file per hash, written atomically (temp
file + rename), so xdist workers running different notebooks never collide
and a reader never sees a torn file. When the same hash runs again the file
is replaced: it holds the *latest* outcome, so a notebook that passed and
then failed at the same hash (a flaky notebook, a changed environment) has
failing evidence until it passes again. ``nbgate promote`` reads it.

Record (``schema`` 1)::

    {"schema": 1, "path": "notebooks/x.ipynb", "source_sha256": "...",
     "parameters": {...}, "outcome": "passed|failed|error|timeout|dead-kernel|xfailed",
     "duration": 1.23, "kernel": "python3",
     "versions": {"python", "papermill", "nbgate", "nbclient", "jupyter_client"},
     "output": {"path": ".nbgate/runs/smoke/x.<sha12>.ipynb", "sha256": "..."},
     "time": "2024-01-01T00:00:00Z",
     "provenance": {"host", "user", "time", and in CI "provider", "repository", "run_url", "commit"}}

``provenance`` says where the record came from. The ledger is a local
cache for convenience: a record can be edited by anyone with the file, so
``nbgate ci`` (the pull request) re-tests promoted content itself and its
fresh outcome is the proof, never this file.
"""

from __future__ import annotations

import datetime as dt
import enum
import os
import re
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson

from nbgate import __version__
from nbgate.atomic import atomic_write
from nbgate.config import Config
from nbgate.errors import ExecutionError

SCHEMA = 1


class SmokeOutcome(enum.StrEnum):
    """How a smoke test of a notebook ended (the ledger's ``outcome``; ``xfailed`` only in the ledger)."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    TIMEOUT = "timeout"
    DEAD_KERNEL = "dead-kernel"
    XFAILED = "xfailed"


OUTCOMES = tuple(SmokeOutcome)
KEYS = (
    "schema",
    "path",
    "source_sha256",
    "parameters",
    "outcome",
    "duration",
    "kernel",
    "versions",
    "output",
    "time",
)
_SHA = re.compile(r"[0-9a-f]{64}\Z")


class LedgerError(ExecutionError):
    """An evidence file exists but cannot be used."""


def evidence_dir(config: Config) -> Path:
    """``<state_dir>/evidence``."""
    return config.state_dir / "evidence"


def evidence_path(config: Config, sha: str) -> Path:
    """Where the evidence for source hash ``sha`` lives."""
    if not _SHA.match(sha):
        raise LedgerError(f"not a source sha256: {sha!r}")
    return evidence_dir(config) / f"{sha}.json"


def versions() -> dict[str, str]:
    """Versions of what executed the notebook (``unknown`` when not installed)."""
    import platform

    found = {"python": platform.python_version(), "nbgate": __version__}
    for name in ("papermill", "nbclient", "jupyter_client"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "unknown"
    return found


def provenance(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Where a record is made: host, user and time; in GitHub Actions the run that made it."""
    import getpass
    import socket

    env = os.environ if env is None else env
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        user = "unknown"
    found = {"host": socket.gethostname(), "user": user, "time": utc_now()}
    if env.get("GITHUB_ACTIONS") == "true":
        server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
        repository, run_id = env.get("GITHUB_REPOSITORY", ""), env.get("GITHUB_RUN_ID", "")
        found.update(
            {
                "provider": "github-actions",
                "repository": repository,
                "run_url": f"{server}/{repository}/actions/runs/{run_id}"
                if repository and run_id
                else "",
                "commit": env.get("GITHUB_SHA", ""),
            }
        )
    return found


def describe_provenance(record: dict[str, Any]) -> str:
    """One line saying where an evidence record (or a revision's evidence block) was made."""
    found = record.get("provenance")
    if not isinstance(found, dict):
        return "made before provenance was recorded"
    where = f"{found.get('user', '?')}@{found.get('host', '?')} at {found.get('time', '?')}"
    if found.get("provider"):
        where += f" in {found['provider']} ({found.get('run_url') or found.get('repository', '')})"
        if found.get("commit"):
            where += f" at commit {str(found['commit'])[:12]}"
    else:
        where += " (local: a cache, not proof)"
    return where


def utc_now() -> str:
    """The current UTC time as ISO-8601 with a ``Z``, to the second."""
    return (
        dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    )


def make_record(
    *,
    path: str,
    source_sha256: str,
    parameters: dict[str, Any],
    outcome: str,
    duration: float,
    kernel: str,
    output_path: str,
    output_sha256: str,
) -> dict[str, Any]:
    """A complete evidence record with versions and the current time filled in."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    return {
        "schema": SCHEMA,
        "path": path,
        "source_sha256": source_sha256,
        "parameters": parameters,
        "outcome": outcome,
        "duration": round(float(duration), 3),
        "kernel": kernel,
        "versions": versions(),
        "output": {"path": output_path, "sha256": output_sha256},
        "time": utc_now(),
        "provenance": provenance(),
    }


def write_evidence(config: Config, record: dict[str, Any]) -> Path:
    """Write ``record`` to its hash's file atomically (replacing an older one)."""
    missing = [key for key in KEYS if key not in record]
    if missing:
        raise LedgerError(f"evidence record lacks {', '.join(missing)}")
    target = evidence_path(config, str(record["source_sha256"]))
    target.parent.mkdir(parents=True, exist_ok=True)
    # default=str: parameters may hold values JSON lacks (dates from literals never do, but be safe)
    data = (
        orjson.dumps(record, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS, default=str) + b"\n"
    )
    atomic_write(target, data)
    return target


def read_evidence(config: Config, sha: str) -> dict[str, Any] | None:
    """The evidence for ``sha``, or None if there is none; ``LedgerError`` if it is corrupt."""
    path = evidence_path(config, sha)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LedgerError(f"{path}: cannot read evidence: {exc.strerror}") from None
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise LedgerError(
            f"{path}: corrupt evidence (invalid JSON: {exc}); re-run the smoke tests"
        ) from None
    if not isinstance(record, dict):
        raise LedgerError(f"{path}: corrupt evidence (not a JSON object); re-run the smoke tests")
    missing = [key for key in KEYS if key not in record]
    if missing:
        raise LedgerError(
            f"{path}: corrupt evidence (missing {', '.join(missing)}); re-run the smoke tests"
        )
    if record["schema"] != SCHEMA:
        raise LedgerError(
            f"{path}: evidence schema {record['schema']!r} is not {SCHEMA}; re-run the smoke tests"
        )
    if record["source_sha256"] != sha:
        raise LedgerError(f"{path}: evidence is for {record['source_sha256']!r}, not {sha}")
    return record
