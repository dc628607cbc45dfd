"""``nbgate registry verify``: is the registry intact, and does it still describe what git holds?

Findings (each fails the check):

* a revision file that is unreadable, malformed, oversized or schema-invalid,
  misplaced (name or number not matching its folder and file name), or
  misnamed (a ``.yaml`` file that is not ``NNNN.yaml``);
* a gap in the numbering or a broken hash chain (``previous_sha256``);
* a state change whose notebook and settings differ from its ``source_rev``;
  recorded evidence that is not a passing run of the revision's content;
* an invalid cron expression or unknown timezone;
* a revision file modified or deleted since the base ref (default ``HEAD``);
* drift: an active schedule whose notebook in git (the index, which is
  ``HEAD`` in a clean checkout and the commit being made in a hook) no
  longer has the promoted ``source_sha256``, or is gone.

It is built for registries of tens of thousands of files: one ``git
ls-files``, one ``git diff``, one ``git cat-file --batch`` for all
notebooks, the canonical-YAML fast path, a compiled schema, and the file
parsing spread over the CPUs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from nbgate import git
from nbgate.config import Config
from nbgate.errors import NbgateError, NotebookError, UsageError
from nbgate.identity import source_sha256
from nbgate.notebook import loads
from nbgate.parallel import map_shares
from nbgate.registry import model, safety, store

_CONTENT_KEYS = (
    "notebook",
    "source_sha256",
    "commit",
    "blob",
    "schedule",
    "timezone",
    "parameters",
    "execution",
    "output",
    "owners",
)


class Finding(NamedTuple):
    """One problem, located at a file (relative to the project root where possible)."""

    path: str
    message: str


class Report(NamedTuple):
    """What ``verify`` found."""

    registry: Path
    exists: bool
    schedules: int
    files: int
    findings: tuple[Finding, ...]
    notes: tuple[str, ...]


class _Checked(NamedTuple):
    """One schedule as a worker process saw it: findings, and its latest revision if active."""

    findings: list[tuple[str, str]]
    active: tuple[str, str, int, str, str] | None  # (file, name, rev, notebook, source_sha256)


def _file_problems(revision: model.Revision) -> list[str]:
    problems = [
        p
        for p in (model.cron_error(revision.schedule), model.timezone_error(revision.timezone))
        if p
    ]
    problems += safety.owners_errors(revision.owners)
    template = safety.template_error(revision.output) if revision.output else None
    if template:
        problems.append(template)
    evidence = revision.evidence
    if evidence.get("source_sha256") != revision.source_sha256:
        problems.append(
            "its evidence is for other content (evidence source_sha256 "
            f"{str(evidence.get('source_sha256'))[:12]}, revision {revision.source_sha256[:12]})"
        )
    elif evidence.get("outcome") != "passed":
        problems.append(f"its evidence is not a passing run (outcome {evidence.get('outcome')!r})")
    return problems


def _read_file(
    folder: str, name: str, filename: str
) -> tuple[str, store.RevisionFile | None, list[str]]:
    path = f"{folder}/{filename}"
    try:
        with open(path, "rb") as handle:
            data = handle.read(model.MAX_BYTES + 1)
        revision = model.loads(data, path)
    except OSError as exc:
        return path, None, [f"cannot read: {exc.strerror or exc}"]
    except NbgateError as exc:
        text = str(exc)
        return path, None, [text[len(path) + 2 :] if text.startswith(path + ": ") else text]
    if revision.name != name:
        return path, None, [f"name is {revision.name!r} but the file is in folder {name!r}"]
    if model.filename(revision.rev) != filename:
        return path, None, [f"rev is {revision.rev} but the file is named {filename}"]
    return (
        path,
        store.RevisionFile(Path(path), store.sha256_bytes(data), revision),
        _file_problems(revision),
    )


def _check_schedule(item: tuple[str, str, list[str]]) -> _Checked:
    """Read and check every revision of one schedule: files, chain, state changes."""
    name, folder, filenames = item
    findings: list[tuple[str, str]] = []
    files: list[store.RevisionFile] = []
    for filename in filenames:
        path, stored, problems = _read_file(folder, name, filename)
        findings += [(path, problem) for problem in problems]
        if stored is not None:
            files.append(stored)
    if not files or len(files) != len(filenames):
        return _Checked(findings, None)  # the chain cannot be judged around an unreadable file
    findings += [_split(text) for text in store.chain_errors(files)]
    findings += _state_change_findings(files)
    latest = files[-1]
    revision = latest.revision
    active = None
    if revision.state == model.ACTIVE:
        active = (
            str(latest.path),
            revision.name,
            revision.rev,
            revision.notebook,
            revision.source_sha256,
        )
    return _Checked(findings, active)


def _check_share(items: Sequence[tuple[str, str, list[str]]]) -> list[_Checked]:
    return [_check_schedule(item) for item in items]


def _scan(folder: Path) -> tuple[list[tuple[str, str, list[str]]], int, list[Finding], list[str]]:
    """``(name, folder, revision file names)`` per schedule folder; misnamed entries are findings."""
    schedules: list[tuple[str, str, list[str]]] = []
    findings: list[Finding] = []
    notes: list[str] = []
    count = 0
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if not entry.is_dir() or entry.name.startswith("."):
                continue
            if not model.is_name(entry.name):
                findings.append(
                    Finding(
                        entry.path,
                        "not a valid schedule name (lowercase letters, digits, '-', '_'; "
                        "at most 63): its revisions are ignored",
                    )
                )
                continue
            files: list[tuple[int, str]] = []
            for name in os.listdir(entry.path):
                rev = store.revision_number(name)
                if rev is not None:
                    files.append((rev, name))
                elif name.startswith(".") and name.endswith(store.TEMP_SUFFIX):
                    notes.append(
                        f"{entry.path}/{name}: left behind by an interrupted promotion; delete it"
                    )
                elif name.endswith((".yaml", ".yml")):
                    findings.append(
                        Finding(
                            f"{entry.path}/{name}",
                            "not a revision file name (NNNN.yaml, from "
                            "0001.yaml on): it is ignored",
                        )
                    )
            count += len(files)
            schedules.append((entry.name, entry.path, [name for _, name in sorted(files)]))
    return schedules, count, findings, notes


def _state_change_findings(stored: list[store.RevisionFile]) -> list[tuple[str, str]]:
    """A pause, resume, rollback or retire must repeat an earlier revision's notebook and settings."""
    findings: list[tuple[str, str]] = []
    by_rev = {s.revision.rev: s.revision for s in stored}
    for item in stored:
        revision = item.revision
        if revision.action == model.PROMOTE:
            continue
        source = by_rev.get(revision.source_rev or 0)
        if source is None or (revision.source_rev or 0) >= revision.rev:
            findings.append(
                (str(item.path), f"a {revision.action} must name an earlier source_rev")
            )
        elif any(getattr(source, k) != getattr(revision, k) for k in _CONTENT_KEYS):
            changed = [k for k in _CONTENT_KEYS if getattr(source, k) != getattr(revision, k)]
            message = (
                f"a {revision.action} may not change what runs, but {', '.join(changed)} differ from "
                f"revision {revision.source_rev}"
            )
            findings.append((str(item.path), message))
    return findings


def _split(text: str) -> tuple[str, str]:
    path, sep, message = text.partition(": ")
    return (path, message) if sep else ("", text)


def _history_findings(repo: Path, registry: Path, base: str | None) -> list[Finding]:
    """Revision files modified or deleted since ``base`` (its merge base with HEAD)."""
    head = git.head(repo)
    if base is None:
        if head is None:
            return []
        since, label = head, "HEAD"
    else:
        try:
            resolved = git.resolve(repo, base)
        except git.GitError:
            raise UsageError(f"--base {base!r}: not a commit in this repository") from None
        since = (git.merge_base(repo, resolved) if head else None) or resolved
        label = base
    try:
        prefix = registry.relative_to(repo).as_posix() + "/"
    except ValueError:
        return [Finding(str(registry), "outside the git repository: its history cannot be checked")]
    findings = []
    for status, path, old in git.changed_between(repo, since):
        if status in ("A", "C"):
            continue
        changed, verb = (
            (old, "deleted")
            if status == "R"
            else (path, "deleted" if status == "D" else "modified")
        )
        if changed is None or not changed.startswith(prefix):
            continue
        parts = changed[len(prefix) :].split("/")
        if len(parts) != 2 or store.revision_number(parts[1]) is None:
            continue
        findings.append(
            Finding(
                str(repo / changed),
                f"revision file {verb} since {label}: revision files are "
                "immutable (restore it; change state with a new revision)",
            )
        )
    return findings


def _notebook_sha(data: bytes) -> str | None:
    try:
        return source_sha256(loads(data, "<blob>"))
    except NotebookError:
        return None


def _hash_share(blobs: Sequence[bytes]) -> list[str | None]:
    return [_notebook_sha(data) for data in blobs]


def _drift_findings(
    config: Config, repo: Path, active: list[tuple[str, str, int, str, str]]
) -> list[Finding]:
    """Active schedules whose notebook in git no longer has the promoted content."""
    try:
        inside = config.root.resolve().relative_to(repo).as_posix()
    except ValueError:
        return [
            Finding(
                str(config.root),
                "the project is outside its git repository: drift cannot be checked",
            )
        ]
    prefix = "" if inside == "." else inside + "/"
    index = git.index_blobs(repo)
    findings: list[Finding] = []
    wanted: list[tuple[str, str, int, str, str, str]] = []
    for path, name, rev, notebook, sha in active:
        oid = index.get(prefix + notebook)  # the schema keeps notebook paths relative, without '..'
        if oid is None:
            findings.append(
                Finding(
                    path,
                    f"drift: {notebook} of active schedule {name!r} is not in git any more "
                    "(deleted or renamed): re-promote or revert",
                )
            )
        else:
            wanted.append((path, name, rev, notebook, sha, oid))
    oids = list(dict.fromkeys(item[5] for item in wanted))
    contents = git.read_blobs(repo, oids)
    hashes = dict(
        zip(
            oids,
            map_shares(_hash_share, [contents.get(oid, b"") for oid in oids], min_items=2000),
            strict=False,
        )
    )
    for path, name, rev, notebook, sha, oid in wanted:
        found = hashes.get(oid)
        if found != sha:
            now = found[:12] if found else "an unreadable notebook"
            findings.append(
                Finding(
                    path,
                    f"drift: {notebook} changed since schedule {name!r} was promoted "
                    f"(revision {rev} has source_sha256 {sha[:12]}, git has {now}): "
                    "re-promote or revert",
                )
            )
    return findings


def verify(config: Config, base: str | None = None) -> Report:
    """Check the whole registry; see the module docstring for what counts as a finding."""
    registry = store.registry_dir(config)
    if not registry.is_dir():
        return Report(registry, False, 0, 0, (), ())
    schedules, count, findings, notes = _scan(registry)
    model.schema_errors({})  # compile the schema once, before map_shares forks
    checked = map_shares(_check_share, schedules, min_items=200)
    findings += [Finding(path, message) for result in checked for path, message in result.findings]
    active = [result.active for result in checked if result.active is not None]
    try:
        repo = git.root(config.root)
    except git.NotInRepo:
        findings.append(
            Finding(str(registry), "not in a git repository: history and drift cannot be checked")
        )
    else:
        findings += _history_findings(repo, registry.resolve(), base)
        findings += _drift_findings(config, repo, active)
    return Report(registry, True, len(schedules), count, tuple(findings), tuple(notes))


def as_dict(report: Report, root: Path) -> dict[str, Any]:
    """The report as JSON-ready data (paths relative to ``root`` where possible)."""
    return {
        "registry": relative(report.registry, root),
        "exists": report.exists,
        "schedules": report.schedules,
        "files": report.files,
        "findings": [
            {"path": relative(Path(f.path), root) if f.path else "", "message": f.message}
            for f in report.findings
        ],
        "notes": list(report.notes),
    }


def relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when it lies inside, else as given."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
