"""Values a revision file carries into production: owners, output templates, and what exporters render.

A registry file is pull-request content, so anything in it that reaches a
crontab line, a DAG file, a manifest or an output path is checked here:
at ``promote`` (refused as a usage error), in ``registry verify`` (a
finding), and again by every exporter and by ``nbgate run`` (refused),
whatever verify said. Messages quote values cut to ``SHOWN`` characters.
"""

from __future__ import annotations

import posixpath
import re
import string
import unicodedata

from nbgate.registry import model

#: Longest owner (characters) and most owners per schedule.
MAX_OWNER = 200
MAX_OWNERS = 50
#: Longest output template (characters).
MAX_TEMPLATE = 1_000
#: How much of a bad value a message quotes.
SHOWN = 80
#: Placeholders an output template may use.
PLACEHOLDERS = ("name", "date", "rev", "run_id")
#: Remote output schemes (object stores papermill writes to); anything else is refused.
REMOTE_SCHEMES = ("s3", "s3a", "gs", "gcs", "abs", "abfs", "abfss", "az", "adl", "wasb", "wasbs")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
# what a timezone name (IANA: Area/City, Etc/GMT+3) or a cron field can hold
_ZONE = re.compile(r"[A-Za-z0-9_+\-/]{1,64}")
_CRON = re.compile(r"[A-Za-z0-9*,/\- ]{1,200}")


def shown(value: str) -> str:
    """``repr`` of ``value`` cut to ``SHOWN`` characters, for messages."""
    return repr(value if len(value) <= SHOWN else value[:SHOWN] + "…")


def _unsafe_char(text: str) -> str | None:
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
            return f"U+{ord(char):04X}"
    return None


def owner_error(owner: object) -> str | None:
    """Why ``owner`` cannot be an owner (empty, too long, a control or format character), or None."""
    if not isinstance(owner, str) or not owner.strip():
        return f"owner {shown(str(owner))} is empty"
    if len(owner) > MAX_OWNER:
        return f"owner {shown(owner)} is longer than {MAX_OWNER} characters"
    bad = _unsafe_char(owner)
    if bad:
        return f"owner {shown(owner)} holds a control character ({bad})"
    if owner != owner.strip():
        return f"owner {shown(owner)} has leading or trailing spaces"
    return None


def owners_errors(owners: tuple[str, ...] | list[str]) -> list[str]:
    """The problems of a list of owners."""
    problems = [p for p in (owner_error(o) for o in owners) if p]
    if len(owners) > MAX_OWNERS:
        problems.append(f"{len(owners)} owners: at most {MAX_OWNERS}")
    return problems


_REV_SPEC = re.compile(r"0?[1-9]d")


def placeholder_ok(field: str, spec: str | None, conversion: str | None) -> bool:
    """Whether ``{field!conversion:spec}`` may appear in an output template.

    Only the documented placeholders, with no attribute, index or conversion;
    the one format spec is a zero-padded width for ``{rev}`` (``{rev:04d}``).
    """
    if field not in PLACEHOLDERS or conversion:
        return False
    return not spec or (field == "rev" and bool(_REV_SPEC.fullmatch(spec)))


def placeholder_problem(field: str) -> str:
    """The message for a placeholder ``placeholder_ok`` refused."""
    known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
    return (
        f"placeholder {shown('{' + field + '}')} is not allowed "
        f"(only {known} and {{rev:04d}}, without attributes, indexes or other format specs)"
    )


def template_error(template: str) -> str | None:
    """Why an output template cannot be used, or None.

    Only ``{name}``, ``{date}``, ``{rev}`` and ``{run_id}``, with no
    attribute, index, conversion or format spec; a local path is relative
    and stays inside the project (no ``..`` out of it, no absolute or
    ``file:`` path); a remote URI uses a scheme of ``REMOTE_SCHEMES``.
    """
    if not isinstance(template, str):
        return "output template is not a string"
    if len(template) > MAX_TEMPLATE:
        return f"output template {shown(template)} is longer than {MAX_TEMPLATE} characters"
    bad = _unsafe_char(template)
    if bad:
        return f"output template {shown(template)} holds a control character ({bad})"
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"output template {shown(template)}: {exc}"
    filled = []
    for literal, field, spec, conversion in parsed:
        filled.append(literal)
        if field is None:
            continue
        if not placeholder_ok(field, spec, conversion):
            return f"output template {shown(template)}: {placeholder_problem(field)}"
        filled.append("x")
    path = "".join(filled)
    if not path.strip():
        return f"output template {shown(template)} renders to nothing"
    match = _SCHEME.match(path)
    if match and len(match[1]) > 1:  # "C:" is a drive, not a scheme
        kind = match[1].lower()
        if kind not in REMOTE_SCHEMES or not path[match.end() :].startswith("//"):
            return (
                f"output template {shown(template)}: scheme {kind!r} is not allowed "
                f"(remote outputs: {', '.join(REMOTE_SCHEMES)}; local outputs: a relative path)"
            )
        return None
    if path.startswith(("/", "\\", "~")) or re.match(r"[A-Za-z]:", path):
        return f"output template {shown(template)}: an absolute path; use a path relative to the project"
    normal = posixpath.normpath(path.replace("\\", "/"))
    if normal == ".." or normal.startswith("../") or normal in (".", ""):
        return f"output template {shown(template)} leaves the project folder"
    return None


def job_problems(name: str, schedule: str, timezone: str, owners: tuple[str, ...]) -> list[str]:
    """``field: problem`` for every value an exporter could not write safely."""
    problems = []
    if not model.is_name(name):
        problems.append(f"name: {shown(name)} is not a schedule name")
    if not _CRON.fullmatch(schedule) or model.cron_error(schedule):
        problems.append(f"schedule: {shown(schedule)} is not a plain 5-field cron expression")
    if not _ZONE.fullmatch(timezone) or model.timezone_error(timezone):
        problems.append(f"timezone: {shown(timezone)} is not an IANA timezone name")
    problems += [f"owners: {p}" for p in owners_errors(owners)]
    return problems
