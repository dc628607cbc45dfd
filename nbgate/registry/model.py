"""A schedule revision: the record, its validation and its YAML form.

One revision file ``registry/<name>/<NNNN>.yaml`` holds one ``Revision``.
Files are immutable: a pause, resume, rollback or retirement is a new
revision that repeats the notebook and settings it applies to. Every
revision carries ``previous_sha256``, the sha256 of the previous revision
file's bytes, so the files of one schedule form a hash chain.

Validation happens in three layers: ``load`` checks size, YAML and the
published JSON Schema (``revision.schema.json``, compiled lazily with
fastjsonschema); ``check_cron`` and ``check_timezone`` check what a schema
cannot (cron field ranges, the IANA database); the store checks that a
file's ``name`` and ``rev`` match its place and the chain.
"""

from __future__ import annotations

import enum
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbgate.errors import RegistryError
from nbgate.registry import yamlio

SCHEMA_VERSION = 1
#: Largest revision file nbgate reads (a revision is a few KiB; this stops a YAML bomb or a mistake).
MAX_BYTES = 256 * 1024


class RevisionAction(enum.StrEnum):
    """What a revision does to its schedule (the ``action`` of a revision file)."""

    PROMOTE = "promote"
    PAUSE = "pause"
    RESUME = "resume"
    ROLLBACK = "rollback"
    RETIRE = "retire"


class ScheduleState(enum.StrEnum):
    """A schedule's state, decided by the action of its latest revision."""

    ACTIVE = "active"
    PAUSED = "paused"
    RETIRED = "retired"


# The module-level names are the members themselves, kept for the modules that import them.
PROMOTE = RevisionAction.PROMOTE
PAUSE = RevisionAction.PAUSE
RESUME = RevisionAction.RESUME
ROLLBACK = RevisionAction.ROLLBACK
RETIRE = RevisionAction.RETIRE
ACTIONS = tuple(RevisionAction)
ACTIVE = ScheduleState.ACTIVE
PAUSED = ScheduleState.PAUSED
RETIRED = ScheduleState.RETIRED

#: The schedule's state after a revision with this action.
STATE_AFTER = {
    RevisionAction.PROMOTE: ScheduleState.ACTIVE,
    RevisionAction.RESUME: ScheduleState.ACTIVE,
    RevisionAction.ROLLBACK: ScheduleState.ACTIVE,
    RevisionAction.PAUSE: ScheduleState.PAUSED,
    RevisionAction.RETIRE: ScheduleState.RETIRED,
}

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}\Z")
SCHEMA_PATH = Path(__file__).with_name("revision.schema.json")


def check_name(name: str) -> str:
    """``name`` if it is a valid schedule name, else ``RegistryError``.

    Lowercase letters, digits, ``-`` and ``_``, starting with a letter or
    digit, at most 63 characters: so a name is always one safe path segment
    (no ``..``, ``/``, absolute paths or hidden folders).
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise RegistryError(
            f"invalid schedule name {name!r}: use lowercase letters, digits, '-' and '_' "
            "(at most 63, starting with a letter or digit)"
        )
    return name


def is_name(name: str) -> bool:
    """Whether ``name`` is a valid schedule name."""
    return bool(_NAME.match(name))


@dataclass(frozen=True)
class ExecutionSettings:
    """A revision's ``execution`` settings: time limits in seconds, retries and parallel runs."""

    timeout: float | None = 3600.0
    cell_timeout: float | None = None
    retries: int = 0
    retry_delay: float = 300.0
    concurrency: int = 1

    def to_dict(self) -> dict[str, Any]:
        """The ``execution`` mapping of a revision file."""
        return {
            "timeout": self.timeout,
            "cell_timeout": self.cell_timeout,
            "retries": self.retries,
            "retry_delay": self.retry_delay,
            "concurrency": self.concurrency,
        }


@dataclass(frozen=True)
class Revision:
    """One immutable revision of a schedule (one file in the registry)."""

    name: str
    rev: int
    action: RevisionAction
    notebook: str
    source_sha256: str
    commit: str
    schedule: str
    timezone: str
    parameters: dict[str, Any] = field(default_factory=dict)
    execution: ExecutionSettings = field(default_factory=ExecutionSettings)
    output: str = ""
    owners: tuple[str, ...] = ()
    evidence: dict[str, Any] = field(default_factory=dict)
    promoted_by: str = ""
    promoted_at: str = ""
    previous_sha256: str | None = None
    #: For pause/resume/rollback/retire: the revision whose notebook and settings this one repeats.
    source_rev: int | None = None
    #: The git blob id of the notebook file as promoted ('' in revisions written before it was recorded).
    blob: str = ""

    @property
    def state(self) -> ScheduleState:
        """The schedule's state after this revision: active, paused or retired."""
        return STATE_AFTER[self.action]

    @property
    def filename(self) -> str:
        """``NNNN.yaml``."""
        return filename(self.rev)

    def to_dict(self) -> dict[str, Any]:
        """The revision file's mapping, keys in file order."""
        data: dict[str, Any] = {
            "schema": SCHEMA_VERSION,
            "name": self.name,
            "rev": self.rev,
            "action": str(self.action),
            "notebook": self.notebook,
            "source_sha256": self.source_sha256,
            "commit": self.commit,
            "schedule": self.schedule,
            "timezone": self.timezone,
            "parameters": dict(self.parameters),
            "execution": self.execution.to_dict(),
            "output": self.output,
            "owners": list(self.owners),
            "evidence": dict(self.evidence),
            "promoted_by": self.promoted_by,
            "promoted_at": self.promoted_at,
            "previous_sha256": self.previous_sha256,
            "source_rev": self.source_rev,
        }
        if self.blob:  # older revisions have no blob: their files stay as they were written
            data = {
                **dict(list(data.items())[:7]),
                "blob": self.blob,
                **dict(list(data.items())[7:]),
            }
        return data


def filename(rev: int) -> str:
    """The file name of revision ``rev``: four digits at least (``0001.yaml``)."""
    return f"{rev:04d}.yaml"


def from_dict(data: dict[str, Any]) -> Revision:
    """A ``Revision`` from a schema-valid mapping."""
    execution = data["execution"]
    return Revision(
        name=data["name"],
        rev=data["rev"],
        action=RevisionAction(data["action"]),
        notebook=data["notebook"],
        source_sha256=data["source_sha256"],
        commit=data["commit"],
        schedule=data["schedule"],
        timezone=data["timezone"],
        parameters=dict(data["parameters"]),
        execution=ExecutionSettings(
            timeout=_number(execution["timeout"]),
            cell_timeout=_number(execution["cell_timeout"]),
            retries=execution["retries"],
            retry_delay=float(execution["retry_delay"]),
            concurrency=execution["concurrency"],
        ),
        output=data["output"],
        owners=tuple(data["owners"]),
        evidence=dict(data["evidence"]),
        promoted_by=data["promoted_by"],
        promoted_at=data["promoted_at"],
        previous_sha256=data["previous_sha256"],
        source_rev=data.get("source_rev"),
        blob=data.get("blob", ""),
    )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def dumps(revision: Revision) -> bytes:
    """The bytes of ``revision``'s file (canonical YAML, UTF-8)."""
    data = revision.to_dict()
    problems = schema_errors(data)
    if problems:  # never write a file that ``loads`` would refuse
        raise RegistryError(f"revision {revision.rev} of {revision.name}: {problems}")
    return yamlio.dumps(data)


@functools.lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The published JSON Schema of a revision file."""
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


#: Plain words for the schema's regular expressions.
_PATTERN_HINTS = {
    "name": "must be a schedule name (lowercase letters, digits, '-', '_'; at most 63)",
    "notebook": "must be a relative path to a .ipynb inside the project (no '..', not absolute)",
    "source_sha256": "must be 64 lowercase hex digits",
    "previous_sha256": "must be 64 lowercase hex digits",
    "sha256": "must be 64 lowercase hex digits",
    "commit": "must be a full git commit id (40 lowercase hex digits)",
    "schedule": "must be a 5-field cron expression",
    "promoted_at": "must be a UTC time like 2024-05-01T06:00:00Z",
}


@functools.lru_cache(maxsize=1)
def _validator() -> Callable[[Any], Any]:
    import fastjsonschema  # compiled once per process, on first use

    validate: Callable[[Any], Any] = fastjsonschema.compile(schema())
    return validate


def schema_errors(data: Any) -> str | None:
    """Why ``data`` does not match the revision schema, or None if it does."""
    import fastjsonschema

    try:
        _validator()(data)
    except fastjsonschema.JsonSchemaValueException as exc:
        where = str(exc.name).replace("data.", "", 1).replace("data", "file", 1)
        if exc.rule == "pattern" and where.rsplit(".", 1)[-1] in _PATTERN_HINTS:
            return f"{where} {_PATTERN_HINTS[where.rsplit('.', 1)[-1]]} (found {exc.value!r})"
        return str(exc.message).replace("data.", "", 1).replace("data ", "file ", 1)
    return None


def loads(data: bytes, source: object) -> Revision:
    """Parse and validate a revision file's bytes; ``RegistryError`` names ``source``."""
    if len(data) > MAX_BYTES:
        raise RegistryError(
            f"{source}: revision file is {len(data)} bytes (more than {MAX_BYTES}); "
            "refusing to read it"
        )
    try:
        document = yamlio.loads(data)
    except Exception as exc:  # noqa: BLE001 - yaml.YAMLError, or UnicodeDecodeError from the reader
        message = " ".join(str(exc).split())
        raise RegistryError(f"{source}: not valid YAML: {message}") from None
    problems = schema_errors(document)
    if problems:
        raise RegistryError(f"{source}: does not match the revision schema: {problems}")
    return from_dict(document)


# ------------------------------------------------------------------ cron, timezone

_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    (
        "month",
        1,
        12,
        {
            m: i + 1
            for i, m in enumerate(
                ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
            )
        },
    ),
    (
        "day of week",
        0,
        7,
        {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))},
    ),
)
_ITEM = re.compile(r"(\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:/([0-9]+))?\Z")


def _atom(text: str, low: int, high: int, names: dict[str, int], what: str) -> int:
    value = names.get(text)
    if value is None:
        if not text.isdigit():
            raise ValueError(f"{what}: {text!r} is not a number{' or name' if names else ''}")
        value = int(text)
    if not low <= value <= high:
        raise ValueError(f"{what}: {value} is outside {low}-{high}")
    return value


@functools.lru_cache(maxsize=4096)
def cron_error(expression: str) -> str | None:
    """Why ``expression`` is not a valid 5-field cron schedule, or None.

    Standard cron syntax only (what cron, Kubernetes and Airflow all read):
    ``*``, numbers, ranges, steps, lists, month and weekday names; no
    ``@daily`` macros, seconds fields or vendor extensions. croniter then
    confirms the expression.
    """
    fields = expression.lower().split()
    if len(fields) != 5 or " ".join(expression.split()) != expression.strip():
        return f"cron schedule {expression!r} must have 5 fields (minute hour day month weekday)"
    try:
        for text, (what, low, high, names) in zip(fields, _FIELDS, strict=False):
            for item in text.split(","):
                match = _ITEM.match(item)
                if not match:
                    raise ValueError(f"{what}: cannot read {item!r}")
                span, step = match.groups()
                if step is not None and int(step) == 0:
                    raise ValueError(f"{what}: step 0 in {item!r}")
                if span != "*":
                    start, _, end = span.partition("-")
                    first = _atom(start, low, high, names, what)
                    if end and _atom(end, low, high, names, what) < first:
                        raise ValueError(f"{what}: range {span!r} runs backwards")
    except ValueError as exc:
        return f"cron schedule {expression!r}: {exc}"
    from croniter import croniter

    if not croniter.is_valid(expression):
        return f"cron schedule {expression!r} is not valid (croniter)"
    return None


def check_cron(expression: str) -> str:
    """``expression`` if it is a valid 5-field cron schedule, else ``RegistryError``."""
    problem = cron_error(expression)
    if problem:
        raise RegistryError(problem)
    return expression


@functools.lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    import zoneinfo

    # local aliases that exist as files but are not IANA zone names
    return frozenset(zoneinfo.available_timezones()) - {"localtime", "posixrules", "Factory"}


@functools.lru_cache(maxsize=1024)
def timezone_error(name: str) -> str | None:
    """Why ``name`` is not an IANA timezone this machine knows, or None."""
    if name in _zones():
        return None
    return f"unknown timezone {name!r} (use an IANA name such as UTC or Europe/Berlin)"


def check_timezone(name: str) -> str:
    """``name`` if it is a known IANA timezone, else ``RegistryError``."""
    problem = timezone_error(name)
    if problem:
        raise RegistryError(problem)
    return name
